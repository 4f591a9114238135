import { open, readFile, unlink } from 'node:fs/promises';
import { StartupError } from './errors';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `file` for this process. A lock left by a process that no longer runs (a crash, a kill -9) is
 * taken over; one held by a live process stops start-up with a message naming its pid.
 */
export async function acquirePidLock(file: string, what: string): Promise<{ release(): Promise<void> }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return {
        release: async () => {
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new StartupError(`${what} is in use by process ${holder} (lock file ${file})`);
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new StartupError(`could not lock ${what} (${file})`);
}
