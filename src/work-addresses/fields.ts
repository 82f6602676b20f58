// What a work address is made of, validated one way for every door in: the create and update
// mutations and the CSV import. Line 1 is required; the occupier's surname defaults to "Occupier".
import { z } from 'zod';
import { postalFields } from '../addresses/postal-fields';
import { optionalText } from '../graph/text';

export const OCCUPIER_DEFAULT_SURNAME = 'Occupier';

/** An optional email address (branches use it too). */
export const optionalEmail = optionalText(254).refine((v) => v == null || z.email().safeParse(v).success, { message: 'must be an email address' });

/** An optional E.164 telephone number (branches use it too). */
export const optionalPhone = optionalText(20).refine((v) => v == null || /^\+[1-9]\d{6,14}$/.test(v), {
  message: 'must be an E.164 telephone number (+ then country code and number, digits only)',
});

export const workAddressFields = {
  ...postalFields,
  status: z.enum(['ACTIVE', 'DORMANT']),
  occupierTitle: optionalText(20),
  occupierFirstName: optionalText(100),
  occupierSurname: optionalText(100),
  occupierEmail: optionalEmail,
  occupierPhone: optionalPhone,
  buildingType: optionalText(100),
  vacantProperty: z.boolean(),
  afterSalesCommunication: z.boolean(),
  preferences: optionalText(2000),
  /** The reference in another system; unique in the organisation (./tables.ts). */
  reference: optionalText(100),
};

/** A new work address: defaults filled (country GB, status ACTIVE, occupier "Occupier"). */
export const newWorkAddressSchema = z.object({
  ...workAddressFields,
  country: workAddressFields.country.nullish().transform((v) => v ?? 'GB'),
  status: workAddressFields.status.nullish().transform((v) => v ?? 'ACTIVE'),
  occupierSurname: workAddressFields.occupierSurname.transform((v) => v ?? OCCUPIER_DEFAULT_SURNAME),
  vacantProperty: workAddressFields.vacantProperty.nullish().transform((v) => v ?? false),
  afterSalesCommunication: workAddressFields.afterSalesCommunication.nullish().transform((v) => v ?? true),
});

export type NewWorkAddress = z.output<typeof newWorkAddressSchema>;

/**
 * Changes to an existing work address: omitted fields stay as they are, required ones cannot be
 * cleared, and an occupier surname set to blank falls back to "Occupier".
 */
export const workAddressChangesSchema = z.object({
  ...workAddressFields,
  line1: workAddressFields.line1.optional(),
  country: workAddressFields.country.optional(),
  status: workAddressFields.status.optional(),
  occupierSurname: workAddressFields.occupierSurname.transform((v) => (v === undefined ? undefined : (v ?? OCCUPIER_DEFAULT_SURNAME))),
  vacantProperty: workAddressFields.vacantProperty.optional(),
  afterSalesCommunication: workAddressFields.afterSalesCommunication.optional(),
});

export type WorkAddressChanges = z.output<typeof workAddressChangesSchema>;
