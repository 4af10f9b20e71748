import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A real tcpdump recording on loopback, started and stopped by the test. Immediate mode: without it
 * libpcap's ring buffer may hold packets back past the stop (seen on this VM's kernel: 0 captured).
 */
export class Recording {
  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
  ) {}

  static async start(file: string, filter: string): Promise<Recording> {
    const child = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-w', file, filter], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('error', (e) =>
        reject(new Error(`tcpdump could not run (${e.message}); scripts/setup-test-deps.sh installs it`)),
      );
      child.on('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${err}`)));
    });
    return new Recording(child, file);
  }

  /**
   * Stops once the file holds `marker` (bytes of a packet the test sent last: every packet before
   * it is written then), or after a moment without one; waits for tcpdump to exit. A fixed pause
   * alone lost the last packet on a busy machine.
   */
  async stop(marker?: Buffer): Promise<void> {
    if (marker) {
      const deadline = Date.now() + 15_000;
      while (!readFileSync(this.file).includes(marker)) {
        if (Date.now() > deadline) throw new Error(`tcpdump never wrote the marker packet to ${this.file}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } else {
      await new Promise((r) => setTimeout(r, 300));
    }
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    await exited;
  }
}
