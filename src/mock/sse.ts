/** Server-Sent Events as a stream, one event per enqueue so clients see deltas as they come. */

export interface SseEvent {
  event?: string;
  data: string;
}

export function encodeSse({ event, data }: SseEvent): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}

export function sseResponse(events: SseEvent[], headers: HeadersInit, delayMs = 0): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = events[i++];
      if (!next) {
        controller.close();
        return;
      }
      if (delayMs > 0 && i > 1) await new Promise((r) => setTimeout(r, delayMs));
      controller.enqueue(encoder.encode(encodeSse(next)));
    },
  });
  const h = new Headers(headers);
  h.set('content-type', 'text/event-stream; charset=utf-8');
  h.set('cache-control', 'no-cache');
  return new Response(body, { status: 200, headers: h });
}
