// A graphql-codegen plugin: the names of the types that implement `Node`, as a constant, so global
// IDs (src/graph/ids.ts) know every kind of record from the SDL alone; and the row type each of them
// resolves from (its mapper), so a loader by node type (src/graph/loaders.ts) is typed without a
// hand-written map. (`ResolversParentTypes` has the same types, but behind an index signature that
// makes any lookup `any`.)
const { isObjectType } = require('graphql');

/** The local name the resolver types use for a type's mapper: `path#Name` or `path#Name as Alias`. */
function rowTypeOf(name, mappers) {
  const mapper = mappers[name];
  if (!mapper) return name;
  const target = mapper.split('#')[1];
  const parts = target.split(' as ');
  return (parts[1] || parts[0]).trim();
}

module.exports = {
  plugin(schema, _documents, config) {
    const node = schema.getType('Node');
    const names = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && type.getInterfaces().includes(node))
      .map((type) => type.name)
      .sort();
    return [
      '/** Every type that implements Node: what a global ID may name. */',
      `export const nodeTypeNames = ${JSON.stringify(names)} as const;`,
      'export type NodeTypeName = (typeof nodeTypeNames)[number];',
      '/** The row each node type resolves from (its mapper; the generated type where it has none). */',
      'export type NodeRowTypes = {',
      ...names.map((name) => `  ${name}: ${rowTypeOf(name, (config && config.mappers) || {})};`),
      '};',
      '',
    ].join('\n');
  },
};
