/**
 * OpenTelemetry SDK pieces for the specs of `nestjs-valkey-cache/opentelemetry`: a tracer
 * provider exporting to memory, a meter provider with a reader collected on demand, and
 * helpers that read what they got.
 */
import { metrics, trace } from '@opentelemetry/api';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A reader that exports nothing by itself: {@link Telemetry.collect} asks it. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Tracer and meter providers whose output the test reads. */
export interface Telemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  readonly exporter: InMemorySpanExporter;
  /** Finished spans so far, oldest first. */
  spans(): ReadableSpan[];
  /** The data points of metric `name` in the next collection. */
  collect(name: string): Promise<Array<DataPoint<number | Histogram>>>;
  /** Makes both the global providers of `@opentelemetry/api` (undone by {@link shutdown}). */
  registerGlobally(): void;
  shutdown(): Promise<void>;
}

export function startTelemetry(): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  let global = false;
  return {
    tracerProvider,
    meterProvider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async collect(name) {
      const { resourceMetrics } = await reader.collect();
      const found = resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === name);
      return found.flatMap((m) => m.dataPoints as Array<DataPoint<number | Histogram>>);
    },
    registerGlobally() {
      trace.setGlobalTracerProvider(tracerProvider);
      metrics.setGlobalMeterProvider(meterProvider);
      global = true;
    },
    async shutdown() {
      if (global) {
        trace.disable();
        metrics.disable();
      }
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/** The value of the counter `name` for `alias` (0 when it has no point yet). */
export async function counterValue(
  telemetry: Telemetry,
  name: string,
  alias: string,
): Promise<number> {
  const points = await telemetry.collect(name);
  const point = points.find((p) => p.attributes['valkey.cache.alias'] === alias);
  return (point?.value as number | undefined) ?? 0;
}

/** Spans named `operation` (the cache operation), oldest first. */
export function spansOf(telemetry: Telemetry, operation: string): ReadableSpan[] {
  return telemetry.spans().filter((s) => s.attributes['db.operation.name'] === operation);
}

/** Everything a span carries as text: name, attributes, status, events and their attributes. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
  });
}
