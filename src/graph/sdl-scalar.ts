// A scalar implementation that leaves the description (and @specifiedBy) to the SDL.
import type { GraphQLScalarType } from 'graphql';

/**
 * The parsing and serialising of `scalar`, without its description, spec URL and extensions.
 * graphql-tools copies every property of a scalar's resolver over the SDL's type, so a
 * graphql-scalars resolver would replace the description written in schema/*.graphql with its own
 * generic one; a plain object with the three functions keeps the SDL's (schema.graphql, what
 * GraphiQL shows and the SDL agree; test/graph/printed-schema.test.ts).
 */
export function sdlScalar(scalar: GraphQLScalarType): GraphQLScalarType {
  const { serialize, parseValue, parseLiteral } = scalar;
  return { serialize, parseValue, parseLiteral } as unknown as GraphQLScalarType;
}
