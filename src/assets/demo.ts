// The demo organisation's asset reference lists and a few assets, so GraphiQL has something to show.
// Real organisations start with empty lists, which their admins fill (createAssetListItem).
import { asc, eq } from 'drizzle-orm';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { assetGroups, assetLocations, assetMakes, assetModels, assets, fuelTypes } from './tables';

const makes: Record<string, string[]> = {
  'Worcester Bosch': ['Greenstar 30i', 'Greenstar 8000'],
  Vaillant: ['ecoTEC plus 832', 'aroTHERM plus'],
  Baxi: ['800 Combi', '600 System'],
};

export async function createDemoAssets(db: Db, organisationId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const named = <T extends { name: string; id: string }>(rows: T[]) => Object.fromEntries(rows.map((r) => [r.name, r.id]));
    const list = (names: string[]) => names.map((name) => ({ organisationId, name }));
    const groups = named(
      await tx
        .insert(assetGroups)
        .values(list(['Boilers', 'Heat pumps', 'Fires', 'Cookers']))
        .returning(),
    );
    const fuels = named(
      await tx
        .insert(fuelTypes)
        .values(list(['Natural gas', 'LPG', 'Oil', 'Electric']))
        .returning(),
    );
    const locations = named(
      await tx
        .insert(assetLocations)
        .values(list(['Kitchen', 'Utility room', 'Loft', 'Garage', 'Outside']))
        .returning(),
    );
    const makeIds = named(
      await tx
        .insert(assetMakes)
        .values(list(Object.keys(makes)))
        .returning(),
    );
    const models = await tx
      .insert(assetModels)
      .values(Object.entries(makes).flatMap(([make, names]) => names.map((name) => ({ organisationId, makeId: makeIds[make]!, name }))))
      .returning();
    const some = await tx
      .select({ id: customers.id })
      .from(customers)
      .where(eq(customers.organisationId, organisationId))
      .orderBy(asc(customers.name))
      .limit(8);
    await tx.insert(assets).values(
      some.map((c, i) => {
        const model = models[i % models.length]!;
        const heatPump = model.name === 'aroTHERM plus';
        return {
          organisationId,
          customerId: c.id,
          groupId: heatPump ? groups['Heat pumps'] : groups.Boilers,
          makeId: model.makeId,
          modelId: model.id,
          fuelTypeId: heatPump ? fuels.Electric : fuels['Natural gas'],
          locationId: heatPump ? locations.Outside : i % 2 ? locations.Kitchen : locations['Utility room'],
          description: heatPump ? 'Air source heat pump' : 'Combination boiler',
          serialNumber: `SN${String(100_000 + i * 7919)}`,
          startDate: `20${20 + (i % 5)}-0${1 + (i % 9)}-15`,
          renewalDate: `2027-0${1 + (i % 9)}-15`,
        };
      }),
    );
  });
}
