// Notifications for the long-polling panel: one every few seconds, from a small list.
import type { Hub } from 'switchboard';

const TEXTS = [
  'Deploy to staging finished',
  'New comment on "Heartbeat numbers"',
  'Disk usage on db-2 above 80 %',
  'Weekly report is ready',
  'Certificate for api.example renews in 14 days',
  'Alice mentioned you in #general',
];

export function startNotifier(hub: () => Hub, channel: string, everyMs = 4000, log?: (line: string) => void): { stop(): void } {
  let n = 0;
  const timer = setInterval(() => {
    const text = TEXTS[n % TEXTS.length];
    n++;
    hub()
      .publish(channel, { data: JSON.stringify({ n, text, at: Date.now() }) })
      .catch((error: Error) => log?.(`notifier: ${error.message}`));
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
