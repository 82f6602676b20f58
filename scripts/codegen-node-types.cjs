// A graphql-codegen plugin: the names of the types that implement `Node`, as a constant, so global
// IDs (src/graph/ids.ts) know every kind of record from the SDL alone.
const { isObjectType } = require('graphql');

module.exports = {
  plugin(schema) {
    const node = schema.getType('Node');
    const names = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && type.getInterfaces().includes(node))
      .map((type) => type.name)
      .sort();
    return [
      '/** Every type that implements Node: what a global ID may name. */',
      `export const nodeTypeNames = ${JSON.stringify(names)} as const;`,
      'export type NodeTypeName = (typeof nodeTypeNames)[number];',
      '',
    ].join('\n');
  },
};
