// What an area brings to the server. Each domain area (src/<area>/) declares it once, in its
// `index.ts`; the composition root (src/areas.ts) lists the areas, and the schema builder, the rule
// tree, `node`/`nodes`, the HTTP routes and the background work iterate over that one list. The
// shared layers (graph/, db/, auth/) never import an area: they receive what areas declare.
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AreaRules } from '../auth/area-rules';
import type { HttpAuthentication } from '../auth/http';
import type { TokenKind } from '../auth/tokens';
import type { PortalViewer } from '../auth/viewer';
import type { VisibilityPolicy } from '../auth/visibility';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { RecordChild } from '../db/record-children';
import type { ChangeStream } from '../realtime/changes';
import type { Context } from './context';
import type { NodeType } from './ids';
import type { OrgTable } from './loaders';

/** How `node(id:)` reads one kind of record. */
export type NodeSource = {
  /** The table the record lives in (read by id through the viewer's visibility). */
  table?: OrgTable;
  /** Replaces the plain read by id (e.g. a merged customer's id resolves to its survivor). */
  load?: (ctx: Context, id: string) => Promise<object | null>;
  /**
   * Whether a portal token may fetch it by id (default: no, it is "not found"); which rows it then
   * sees is still the visibility layer's decision. A function decides per token and id.
   */
  portal?: boolean | ((viewer: PortalViewer, id: string) => boolean);
};

/** What routes and background work get from the server. */
export type AreaServices = {
  config: Config;
  database: Database;
  log: Logger;
  composition: Composition;
  /** The one authentication of every HTTP entrance (src/auth/http.ts): routes guard themselves with `requireViewer`. */
  authentication: HttpAuthentication;
};

export type Area = {
  /** The area's folder under src/. */
  name: string;
  /** Resolver maps for the area's part of the SDL (schema/*.graphql). */
  resolvers?: readonly object[];
  /** The area's part of the rule tree (its `rules.ts`). */
  rules?: AreaRules;
  /** The node types the area owns and where each is read from. */
  nodes?: { readonly [T in NodeType]?: NodeSource };
  /** Tables holding rows under a customer or lead: merge, deletion, anonymisation and the audit trail read these. */
  children?: readonly RecordChild[];
  /** HTTP routes beside /graphql (uploads, downloads): the path prefixes they serve (rate-limited like /graphql) and the router. */
  routes?: { paths: readonly string[]; router: (services: AreaServices) => RequestHandler };
  /** Apollo plugins the area needs on every request. */
  plugins?: readonly ApolloServerPlugin<Context>[];
  /** Background work started with the server and stopped with it. */
  start?: (services: AreaServices) => Promise<{ stop(): void }>;
  /** Kinds of bearer token the area issues (besides users' own). */
  tokens?: readonly TokenKind[];
  /** Who sees which records: exactly one area (access) supplies the policy. */
  visibility?: VisibilityPolicy;
  /** The committed changes in order, which subscriptions relay: exactly one area (events) supplies them. */
  changeStream?: ChangeStream;
  /**
   * Payment card data never enters the area (PCI DSS): every mutation it defines refuses, before it
   * runs, input holding a card number or a card security code, with a user error naming the field
   * (src/graph/card-data-guard.ts). The money areas say so.
   */
  refusesCardData?: boolean;
};

/** The areas' contributions, gathered and checked once: no node type or route owned twice. */
export type Composition = {
  areas: readonly Area[];
  resolvers: object[];
  rules: AreaRules[];
  nodes: ReadonlyMap<NodeType, NodeSource>;
  children: readonly RecordChild[];
  plugins: ApolloServerPlugin<Context>[];
  visibility: VisibilityPolicy;
  changeStream: ChangeStream;
  tokens: TokenKind[];
  /** The mutations that refuse card data: every mutation of the areas that declare `refusesCardData`. */
  refusingCardData: ReadonlySet<string>;
};

export function compose(areas: readonly Area[]): Composition {
  const names = new Set<string>();
  const nodes = new Map<NodeType, NodeSource>();
  for (const area of areas) {
    if (names.has(area.name)) throw new Error(`areas: ${area.name} is listed twice`);
    names.add(area.name);
    for (const [type, source] of Object.entries(area.nodes ?? {}) as Array<[NodeType, NodeSource]>) {
      if (nodes.has(type)) throw new Error(`areas: node type ${type} is declared by two areas (the second: ${area.name})`);
      if (!source.table && !source.load) throw new Error(`areas: node type ${type} (${area.name}) needs a table or a load function`);
      nodes.set(type, source);
    }
  }
  const policies = areas.filter((a) => a.visibility);
  if (policies.length !== 1) throw new Error(`areas: exactly one area must supply the visibility policy (found ${policies.length})`);
  const streams = areas.filter((a) => a.changeStream);
  if (streams.length !== 1) throw new Error(`areas: exactly one area must supply the change stream (found ${streams.length})`);
  return {
    areas,
    visibility: policies[0]!.visibility!,
    changeStream: streams[0]!.changeStream!,
    resolvers: areas.flatMap((a) => a.resolvers ?? []),
    rules: areas.flatMap((a) => (a.rules ? [a.rules] : [])),
    nodes,
    children: areas.flatMap((a) => a.children ?? []),
    plugins: areas.flatMap((a) => a.plugins ?? []),
    tokens: areas.flatMap((a) => a.tokens ?? []),
    refusingCardData: new Set(
      areas
        .filter((a) => a.refusesCardData)
        .flatMap((a) => a.resolvers ?? [])
        .flatMap((r) => Object.keys((r as { Mutation?: object }).Mutation ?? {})),
    ),
  };
}

/** An area manifest, checked against the type without widening it. */
export function defineArea<const A extends Area>(area: A): A {
  return area;
}
