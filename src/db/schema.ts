// Every table, in one namespace: what drizzle-kit diffs into migrations and what the client is typed with.
export * from '../organisations/tables';
export * from '../customers/tables';
export * from '../leads/tables';
export * from '../contacts/tables';
export * from '../addresses/tables';
export * from '../audit/tables';
export * from '../access/tables';
export * from '../portal/tables';
export * from '../invoices/tables';
export * from '../branches/tables';
export * from '../work-addresses/tables';
export * from '../assets/tables';
export * from '../custom-fields/tables';
export * from '../search/tables';
export * from '../activity/tables';
export * from '../import-export/tables';
export * from '../documents/tables';
