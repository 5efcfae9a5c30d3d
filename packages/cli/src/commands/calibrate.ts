import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { type CalibrationFile, drawFromQuantiles } from '@meridian/sim';
import { calibrate } from '../calibrate/measure.js';
import { action, exitCodesForUsage, loadTopology } from './topology-shared.js';

/** The terminal lines for a calibration: every figure the simulator charges, in µs. */
export function calibrationLines(file: CalibrationFile, path: string): string[] {
  const { costs, machine } = file;
  const policies = (figures: Record<string, number>): string =>
    Object.entries(figures)
      .map(([policy, us]) => `${policy} ${us}`)
      .join(', ');
  return [
    `${String(machine['cpuModel'])}, ${String(machine['cpus'])} cpus, ${String(machine['platform'])}, node ${String(machine['node'])}`,
    `event loop: turn ${costs.eventLoopTurnUs} µs, timer late ${costs.timerLateUs} µs`,
    `primary: encode ${costs.primary.encodeFrameUs} µs/frame + ${costs.primary.encodeEntryUs} µs/entry, send ${costs.primary.sendFrameUs} µs/frame, ack in ${costs.primary.receiveAckUs} µs`,
    `replica: receive ${costs.replica.receiveFrameUs} µs/frame, decode ${costs.replica.decodeFrameUs} + ${costs.replica.decodeEntryUs} µs/entry, apply ${costs.replica.applyEntryUs} µs/entry, ack ${costs.replica.ackUs} µs`,
    `commit per batch (µs): ${policies(costs.replica.commitBatchUs)}; per entry: ${policies(costs.replica.commitEntryUs)}`,
    `client over loopback: request ${costs.client.requestUs} µs, answer ${costs.client.answerUs} µs`,
    ...(costs.wakeUps === undefined
      ? []
      : [
          `under load: a frame between processes p50 ${costs.wakeUps.frameUs[10]} µs, p95 ${costs.wakeUps.frameUs[19]} µs; ` +
            `timer late p50 ${costs.wakeUps.timerLateUs[10]} µs, p95 ${costs.wakeUps.timerLateUs[19]} µs`,
        ]),
    ...(costs.wakeUps?.pathUs === undefined
      ? []
      : [
          `commit → applied between real nodes: ${[0.1, 0.5, 0.9, 0.99]
            .map((p) => `p${p * 100} ${Math.round(drawFromQuantiles(costs.wakeUps!.pathUs!, p))} µs`)
            .join(', ')}`,
        ]),
    `wrote ${path} (point regions.yaml's simulation.costs at it)`,
  ];
}

/** A flag's whole number in [min, max], or commander's usage error naming the range. */
function wholeNumber(text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return value;
}

export function registerCalibrateCommand(program: Command): void {
  const command = program
    .command('calibrate')
    .description("measure what the node's code costs on this machine, for the simulator (simulation.costs)")
    .option('--out <file>', 'where to write the figures', 'calibration.json')
    .option('--dir <folder>', 'where the temporary SQLite files go (put it on the disk the nodes use)', tmpdir())
    .option(
      '--load-processes <count>',
      "busy processes beside the wake-up measurements (a live run's nodes and router)",
      (text) => wholeNumber(text, 0, 64),
      0,
    )
    .option(
      '--path-writes <count>',
      'writes timed for the commit → applied paths (about as many as the live run to compare with probes)',
      (text) => wholeNumber(text, 20, 100_000),
      600,
    )
    .option(
      '--config <file>',
      "measure the commit → applied paths on nodes shaped as this topology (its replicas and their links' delays)",
    );
  command.action(
    action(
      command,
      async (flags: { out: string; dir: string; loadProcesses: number; pathWrites: number; config?: string }) => {
        const topology = flags.config === undefined ? undefined : loadTopology(flags.config).config;
        const file = await calibrate({
          dir: flags.dir,
          log: (line) => console.error(line),
          loadProcesses: flags.loadProcesses,
          pathWrites: flags.pathWrites,
          ...(topology === undefined ? {} : { topology }),
        });
        await writeFile(flags.out, `${JSON.stringify(file, null, 2)}\n`);
        for (const line of calibrationLines(file, flags.out)) console.log(line);
      },
    ),
  );
  exitCodesForUsage(command);
}
