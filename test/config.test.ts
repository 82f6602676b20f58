// Configuration from the environment: defaults, and a clear message for each bad value.
// @database-independent: configuration is read from the environment alone, so the PostgreSQL run leaves it out (jest.config.ts).
import { ConfigError, loadConfig } from '../src/config';

it('has working defaults: embedded database, port 4000, demo data on', () => {
  const config = loadConfig({});
  expect(config).toMatchObject({ port: 4000, databaseUrl: undefined, demoData: true, env: 'development', maxPageSize: 100 });
  expect(config.dataDir).toMatch(/\.data$/);
});

it('turns demo data off in production unless asked for', () => {
  expect(loadConfig({ NODE_ENV: 'production' }).demoData).toBe(false);
  expect(loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'true' }).demoData).toBe(true);
});

it('keeps introspection and suggestions for signed-in callers in production, for everyone otherwise', () => {
  expect(loadConfig({})).toMatchObject({ introspection: 'always', fieldSuggestions: 'always' });
  expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ introspection: 'authenticated', fieldSuggestions: 'authenticated' });
  expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'always', FIELD_SUGGESTIONS: 'never' })).toMatchObject({
    introspection: 'always',
    fieldSuggestions: 'never',
  });
});

it('listens on 127.0.0.1 while demo data is on, unless HOST says otherwise', () => {
  expect(loadConfig({}).host).toBe('127.0.0.1');
  expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  expect(loadConfig({ DEMO_DATA: 'false' }).host).toBe('0.0.0.0');
  expect(loadConfig({ NODE_ENV: 'production' }).host).toBe('0.0.0.0');
});

it('reads CORS origins as a comma-separated list, none by default', () => {
  expect(loadConfig({}).corsOrigins).toEqual([]);
  expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
    'https://app.example.com',
    'http://localhost:5173',
  ]);
});

it.each([
  [{ CORS_ORIGINS: 'https://app.example.com/path' }, /CORS_ORIGINS: expected origins like https:\/\/app.example.com/],
  [{ INTROSPECTION: 'sometimes' }, /INTROSPECTION: expected always, authenticated or never/],
  [{ PORT: 'abc' }, /PORT: expected a port number.*"abc"/],
  [{ PORT: '70000' }, /PORT: expected a port number from 0 to 65535/],
  [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
  [{ DATABASE_URL: 'postgres://app@localhost/crm?port=54x2' }, /DATABASE_URL: expected \?port= to be a port number from 1 to 65535/],
  [{ DATABASE_URL: 'postgres://app@localhost/crm?port=70000' }, /DATABASE_URL: expected \?port= to be a port number from 1 to 65535/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  [{ DEMO_DATA: 'maybe' }, /DEMO_DATA: expected true or false/],
])('refuses %j with a message naming the variable', (env, message) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(message);
});

it('treats empty variables as unset', () => {
  expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 4000, databaseUrl: undefined });
});
