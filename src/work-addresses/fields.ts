// What a work address is made of, validated one way for every door in: the create and update
// mutations and the CSV import. Line 1 is required; the occupier's surname defaults to "Occupier".
import { z } from 'zod';
import { postalFields } from '../addresses/postal-fields';
import { optionalText } from '../graph/text';

export const OCCUPIER_DEFAULT_SURNAME = 'Occupier';

export const workAddressFields = {
  ...postalFields,
  status: z.enum(['ACTIVE', 'DORMANT']),
  occupierTitle: optionalText(20),
  occupierFirstName: optionalText(100),
  occupierSurname: optionalText(100),
  occupierEmail: optionalText(254).refine((v) => v == null || z.email().safeParse(v).success, { message: 'must be an email address' }),
  occupierPhone: optionalText(20).refine((v) => v == null || /^\+[1-9]\d{6,14}$/.test(v), {
    message: 'must be an E.164 telephone number (+ then country code and number, digits only)',
  }),
  buildingType: optionalText(100),
  vacantProperty: z.boolean(),
  afterSalesCommunication: z.boolean(),
  preferences: optionalText(2000),
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
