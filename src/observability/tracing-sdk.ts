// The OpenTelemetry Node SDK with the HTTP, Express and GraphQL instrumentations, exporting spans over
// OTLP/HTTP (endpoint, headers, sampling and batching from the standard OTEL_* variables), plus one
// span per SQL statement (src/db/instrument.ts: postgres.js and PGlite have no instrumentation).
// Loaded only through tracing.ts; tests pass their own span processors.
import type { IncomingMessage } from 'node:http';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { traceDatabaseStatements } from '../db/instrument';

/** Probes and scrapes would be most of the traces and say nothing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function startTracing(options: { spanProcessors?: SpanProcessor[] } = {}): () => Promise<void> {
  // Traces only: metrics are on /metrics (Prometheus) and logs are pino's, unless asked for explicitly.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'customer-records-api',
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : { traceExporter: new OTLPTraceExporter() }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      new ExpressInstrumentation(),
      // Variable values stay out of spans (personal data); list items share one span per field.
      new GraphQLInstrumentation({ allowValues: false, mergeItems: true, ignoreTrivialResolveSpans: true }),
    ],
  });
  sdk.start();
  traceDatabaseStatements(trace.getTracer('customer-records-api.database'), { client: SpanKind.CLIENT, error: SpanStatusCode.ERROR });
  return () => sdk.shutdown();
}
