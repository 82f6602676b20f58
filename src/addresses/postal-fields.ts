// Validation of a postal address's fields (docs/domain.md#addresses), shared by record addresses,
// branches, work addresses and CSV import: one definition of what a line, a postcode or a what3words
// is.
import { z } from 'zod';
import { optionalText, requiredText } from '../graph/text';

export const postalFields = {
  line1: requiredText(200),
  line2: optionalText(200),
  line3: optionalText(200),
  town: optionalText(100),
  county: optionalText(100),
  postcode: optionalText(20).transform((v) => (v ? v.toUpperCase() : v)),
  country: z
    .string()
    .length(2)
    .transform((v) => v.toUpperCase()),
  what3words: optionalText(100).refine((v) => v == null || /^\/{0,3}[\p{L}\p{M}]+\.[\p{L}\p{M}]+\.[\p{L}\p{M}]+$/u.test(v), {
    message: 'must be three words separated by dots, e.g. filled.count.soap',
  }),
  latitude: z.number().min(-90).max(90).nullish(),
  longitude: z.number().min(-180).max(180).nullish(),
};
