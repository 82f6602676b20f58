// Opaque global IDs (Relay's object identification): base64url of `Type:uuid`. Clients must not
// parse them; the server checks both the type and the uuid when it decodes one.
import { nodeTypeNames, type NodeTypeName } from '../generated/node-types';
import { badUserInput } from './errors';

/** Every kind of record a global ID may name: the SDL's types that implement Node (generated). */
export const nodeTypes = nodeTypeNames;
export type NodeType = NodeTypeName;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** Where a global id's text is encoded: every id of every row of a page, without a Buffer each. */
const scratch = Buffer.allocUnsafe(256);

export function toGlobalId(type: NodeType, id: string): string {
  const text = `${type}:${id}`;
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so this text fits the scratch buffer.
  if (text.length * 3 > scratch.length) return Buffer.from(text, 'utf8').toString('base64url');
  const length = scratch.write(text, 0, 'utf8');
  return scratch.toString('base64url', 0, length);
}

/** The type and uuid behind a global ID, or null when the string is not one of ours. */
export function parseGlobalId(globalId: string): { type: NodeType; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const type = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  if (!(nodeTypes as readonly string[]).includes(type) || !isUuid(id)) return null;
  return { type: type as NodeType, id };
}

/**
 * Decodes a global ID given as a query argument, insisting on one of `types`.
 * A malformed ID is a client bug, so it is a BAD_USER_INPUT error naming the argument.
 */
export function decodeIdArgument<T extends NodeType>(globalId: string, types: readonly T[], argument: string): { type: T; id: string } {
  const parsed = parseGlobalId(globalId);
  if (!parsed || !(types as readonly string[]).includes(parsed.type)) {
    throw badUserInput(`${argument}: ${JSON.stringify(globalId)} is not a valid ${types.join(' or ')} ID.`, argument);
  }
  return parsed as { type: T; id: string };
}

/**
 * The node type of an audited entity. Services write the GraphQL type name (`Customer`, `Contact`);
 * a lower-camel name (`accessGrant`) is accepted too. Anything else still gets an opaque id, which
 * `node` will not resolve (the thing may no longer exist anyway).
 */
export function entityGlobalId(entityType: string, entityId: string): string {
  const typeName = entityType.charAt(0).toUpperCase() + entityType.slice(1);
  if ((nodeTypes as readonly string[]).includes(typeName) && isUuid(entityId)) return toGlobalId(typeName as NodeType, entityId);
  return Buffer.from(`${typeName}:${entityId}`, 'utf8').toString('base64url');
}
