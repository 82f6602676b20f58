// The normalised forms records are compared by when looking for possible duplicates
// (docs/domain.md#possible-duplicates). Each is an IMMUTABLE function in the database, created by the
// migration `possible-duplicates` (drizzle/; why some are PL/pgSQL is said there), so that the indexes
// on them (declared in the customers', leads', contacts' and addresses' tables.ts) and the queries of
// ./service.ts compute exactly the same thing.
//
//   duplicate_name_key(name)         lower case, punctuation to spaces, legal suffixes and filler words
//                                    (ltd, limited, plc, inc, co, the, and…) dropped: compared by trigram
//                                    similarity (pg_trgm), so "ACME Limited" is "Acme Ltd".
//   email_key(address)               lower case, trimmed.
//   phone_key(number)                digits only (numbers are stored E.164, but spaces and dashes must
//                                    not hide a match).
//   vat_number_key(vat)              upper case letters and digits, without a leading two-letter country
//                                    prefix: "GB 123 4567 89" is "123456789".
//   address_key(postcode, line1)     the postcode's letters and digits, upper case, then line 1 in lower
//                                    case with the usual street words abbreviated ("Street" is "st") and
//                                    no spaces or punctuation; null without a postcode.
//   contact_email_keys(emails)       a contact's emails (jsonb) as email_key()s; likewise
//   contact_phone_keys(phones)       its phones as phone_key()s: GIN-indexed text arrays.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

type Operand = PgColumn | SQL;

export const duplicateKeys = {
  name: (name: Operand): SQL => sql`duplicate_name_key(${name})`,
  email: (address: Operand): SQL => sql`email_key(${address})`,
  phone: (number: Operand): SQL => sql`phone_key(${number})`,
  vatNumber: (vatNumber: Operand): SQL => sql`vat_number_key(${vatNumber})`,
  address: (postcode: Operand, line1: Operand): SQL => sql`address_key(${postcode}, ${line1})`,
  contactEmails: (emails: Operand): SQL => sql`contact_email_keys(${emails})`,
  contactPhones: (phones: Operand): SQL => sql`contact_phone_keys(${phones})`,
};
