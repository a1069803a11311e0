import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

// Every install is built under a temporary sibling name and renamed into place: rename is atomic on one file
// system, so an interrupted (Ctrl-C) or concurrent run never leaves a half-installed tool under its real name.
// Temporary names carry the pid of their builder, so a later run can remove what a dead one left behind.
const TEMP_PREFIX = '.tmp-';

function tempSibling(target: string): string {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(target), `${TEMP_PREFIX}${suffix}-${path.basename(target)}`);
}

/**
 * Makes `target` (a directory) by running `build` on an empty temporary directory and renaming that into place.
 * Returns false when another process installed `target` first (its copy wins; ours is dropped).
 */
export async function installDirectoryAtomically(
  target: string,
  build: (tempDir: string) => Promise<void>,
): Promise<boolean> {
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  await sweepStaleTemps(parent);
  const temp = tempSibling(target);
  await mkdir(temp);
  try {
    await build(temp);
    try {
      await rename(temp, target);
      return true;
    } catch (error) {
      if (isErrorCode(error, 'ENOTEMPTY') || isErrorCode(error, 'EEXIST')) return false;
      throw error;
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Puts a copy of `source` at `dest` (a hard link when both are on one file system), replacing `dest` atomically. */
export async function placeFileAtomically(source: string, dest: string): Promise<void> {
  const parent = path.dirname(dest);
  await mkdir(parent, { recursive: true });
  await sweepStaleTemps(parent);
  const temp = tempSibling(dest);
  try {
    await linkOrCopy(source, temp);
    await chmod(temp, 0o755);
    await rename(temp, dest);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Installs a copy of the directory `source` as `target` (hard links where possible), atomically. */
export async function copyDirectoryAtomically(source: string, target: string): Promise<boolean> {
  return installDirectoryAtomically(target, (temp) => copyTree(source, temp));
}

/** Removes a directory that is not a complete install, first renaming it so it stops looking like one. */
export async function discardDirectory(target: string): Promise<void> {
  const temp = tempSibling(target);
  try {
    await rename(target, temp);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return;
    throw error;
  }
  await rm(temp, { recursive: true, force: true });
}

async function copyTree(source: string, dest: string): Promise<void> {
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isDirectory()) {
      await mkdir(to);
      await copyTree(from, to);
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else {
      await linkOrCopy(from, to);
    }
  }
}

async function linkOrCopy(source: string, dest: string): Promise<void> {
  try {
    await link(source, dest);
  } catch {
    // Different file systems (EXDEV) or no hard links there: copy instead (a reflink where supported).
    await copyFile(source, dest, constants.COPYFILE_FICLONE);
  }
}

/** Removes temporary install folders and files in `dir` whose builder process is gone. */
async function sweepStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\.tmp-(\d+)-/.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) {
      await rm(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrorCode(error, 'EPERM');
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
