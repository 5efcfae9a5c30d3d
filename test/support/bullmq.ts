import { Queue, QueueEvents, Worker } from 'bullmq';
import { expect } from 'vitest';

/** A Queue, QueueEvents and Worker on one RESP port: every job added is processed and reported finished. */
export async function runQueue(port: number, password: string): Promise<void> {
  const connection = { host: '127.0.0.1', port, password, maxRetriesPerRequest: null };
  const queue = new Queue('emails', { connection });
  // From the stream's start: a QueueEvents reading from `$` misses a job that completes before its
  // first XREAD (BullMQ's own race, seen on a loaded machine).
  const events = new QueueEvents('emails', { connection, lastEventId: '0-0' });
  await events.waitUntilReady();
  const done: string[] = [];
  const worker = new Worker(
    'emails',
    async (job) => {
      done.push(String(job.data.to));
      return `sent to ${String(job.data.to)}`;
    },
    { connection },
  );
  try {
    const jobs = await Promise.all(['a@x', 'b@x', 'c@x'].map((to) => queue.add('send', { to })));
    const results = await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 10_000)));
    expect(results).toEqual(['sent to a@x', 'sent to b@x', 'sent to c@x']);
    expect(done.sort()).toEqual(['a@x', 'b@x', 'c@x']);
  } finally {
    await worker.close();
    await events.close();
    await queue.close();
  }
}
