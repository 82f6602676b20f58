// Thrown GraphQL errors, each with a stable `extensions.code`. These are for authentication,
// authorisation, malformed arguments and bugs; expected mutation failures are user errors instead.
import { GraphQLError } from 'graphql';

export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}) } });
}

export function unauthenticated(message = 'Authentication required: send `Authorization: Bearer <token>`.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message = 'You are not allowed to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}
