// A contact's communication preferences (docs/domain.md#communication-preferences, GDPR): consent per
// channel with when and how it was given. Entering an email address ticks EMAIL, a mobile number SMS
// and PHONE, any other number PHONE, unless the input decides that channel itself. Only channels never
// decided are ticked automatically, so a consent once withdrawn is not given back by adding another
// number.
import { z } from 'zod';
import { optionalText } from '../graph/text';
import { consentChannels, type ConsentChannel, type ContactEmail, type ContactPhone, type StoredCommunicationPreference } from './tables';

/** Consent given "now" may come from a clock a little ahead of ours; beyond that it is in the future. */
const CLOCK_SKEW_MS = 5 * 60_000;

const preference = z.object({
  channel: z.enum(consentChannels),
  consented: z.boolean(),
  consentedAt: z
    .date()
    .nullish()
    .refine((d) => !d || d.getTime() <= Date.now() + CLOCK_SKEW_MS, { message: 'must not be in the future' }),
  source: optionalText(200),
});
export type PreferenceInput = z.output<typeof preference>;

export const preferencesInput = z.array(preference).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (seen.has(p.channel)) ctx.addIssue({ code: 'custom', path: [i, 'channel'], message: `${p.channel} is given more than once` });
    seen.add(p.channel);
  });
});

/** Channels ticked by what was entered: addresses and numbers in `next` that were not in `previous`. */
export function enteredChannels(
  previousEmails: ContactEmail[],
  previousPhones: ContactPhone[],
  nextEmails: ContactEmail[],
  nextPhones: ContactPhone[],
): Map<ConsentChannel, string> {
  const ticked = new Map<ConsentChannel, string>();
  const hadEmail = new Set(previousEmails.map((e) => e.address.toLowerCase()));
  if (nextEmails.some((e) => !hadEmail.has(e.address.toLowerCase()))) ticked.set('EMAIL', 'email address entered');
  const hadPhone = new Set(previousPhones.map((p) => `${p.type}:${p.number}`));
  const added = nextPhones.filter((p) => !hadPhone.has(`${p.type}:${p.number}`));
  if (added.some((p) => p.type === 'MOBILE')) ticked.set('SMS', 'mobile number entered');
  if (added.length > 0) ticked.set('PHONE', added.some((p) => p.type === 'MOBILE') ? 'mobile number entered' : 'telephone number entered');
  return ticked;
}

/**
 * The preferences after a change: `explicit` decisions replace their channel's; channels in `entered`
 * that were never decided become consented; the rest stay as they were. In channel order.
 */
export function decidePreferences(
  current: StoredCommunicationPreference[],
  explicit: PreferenceInput[],
  entered: Map<ConsentChannel, string>,
  now: Date,
): StoredCommunicationPreference[] {
  const byChannel = new Map(current.map((p) => [p.channel, p]));
  const at = now.toISOString();
  for (const p of explicit) {
    const previous = byChannel.get(p.channel);
    const consentedAt = !p.consented
      ? null
      : p.consentedAt
        ? p.consentedAt.toISOString()
        : previous?.consented && previous.consentedAt
          ? previous.consentedAt
          : at;
    byChannel.set(p.channel, { channel: p.channel, consented: p.consented, consentedAt, source: p.source ?? null, updatedAt: at });
  }
  const decided = new Set(explicit.map((p) => p.channel));
  for (const [channel, source] of entered) {
    if (decided.has(channel) || byChannel.has(channel)) continue;
    byChannel.set(channel, { channel, consented: true, consentedAt: at, source, updatedAt: at });
  }
  return consentChannels.flatMap((c) => {
    const p = byChannel.get(c);
    return p ? [p] : [];
  });
}

/** Every channel, in order, for the API: undecided channels are not consented. */
export function allPreferences(stored: StoredCommunicationPreference[]) {
  const byChannel = new Map(stored.map((p) => [p.channel, p]));
  return consentChannels.map((channel) => {
    const p = byChannel.get(channel);
    return {
      channel,
      consented: p?.consented ?? false,
      consentedAt: p?.consentedAt ? new Date(p.consentedAt) : null,
      source: p?.source ?? null,
      updatedAt: p ? new Date(p.updatedAt) : null,
    };
  });
}
