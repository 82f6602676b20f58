// Tracing switch. main.ts imports this module first, so that when tracing is on, the OpenTelemetry SDK
// patches http, express and graphql before anything loads them. It is on when an OTLP endpoint is
// configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the standard
// variables) and OTEL_SDK_DISABLED is not true; otherwise the SDK is not even loaded.
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

let stop: () => Promise<void> = async () => {};

if (tracingConfigured()) {
  // A require, not an import: loaded only when wanted.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  stop = startTracing();
}

/** Sends the spans still buffered; main.ts calls it before the process exits. */
export function stopTracing(): Promise<void> {
  return stop();
}
