// The server as it runs: the HTTP app (src/http/app.ts) with every area (src/areas.ts) and the local
// command endpoint that `npm run admin`/`seed` use while the server holds the embedded data directory.
import { composition } from './areas';
import { localCommandRouter } from './cli/endpoint';
import { createHttpApp, type App, type AppOptions } from './http/app';

export type { App, AppOptions };

export function createApp(options: AppOptions): Promise<App> {
  return createHttpApp({ ...options, composition, routes: [localCommandRouter] });
}
