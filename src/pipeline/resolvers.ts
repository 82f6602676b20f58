// GraphQL resolvers of this area, registered in src/graph/schema.ts.
import type { Resolvers } from '../generated/graphql';

export const pipelineResolvers: Resolvers = {};
