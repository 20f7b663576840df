/**
 * The one module that changes files in places the server does not own alone: session folders on the buffer and
 * the archive (their owners can write there), `references/`, the camera share, staging, the holding folder and
 * pre-processing outputs. The workers run as root, so a link a user plants in their own folder must never make
 * root write, chmod, chown or delete what the link points at.
 *
 * How: every operation starts from a configured root and opens each folder below it relative to the folder
 * above it, with O_NOFOLLOW|O_DIRECTORY, so a link anywhere on the way is refused. Node has no openat(2), so
 * "relative to a descriptor" is spelled `/proc/self/fd/<fd>/<name>`: the kernel resolves that prefix to the very
 * folder that was opened and checked, and a folder swapped for a link afterwards is never entered. The final
 * operation (create, link, rename, unlink, rmdir) names its entry relative to that descriptor too, and each
 * operation walks again from the root: confinement is re-checked at the moment of use, not once per activity.
 *
 * New files are created with O_CREAT|O_EXCL|O_NOFOLLOW (a planted link at the name fails the create); existing
 * files are opened with O_NOFOLLOW and their descriptor's type, device and (for writes) owner and link count are
 * checked; modes and owners are set on descriptors. Everything stays on the root's file system: a folder on
 * another device (a user's FUSE mount over their own folder) is refused. Linux only (/proc), as is the server.
 */
import { constants, type Dirent, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, opendir, readdir, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isInside, PathOutsideRootError } from './paths.js';

/** A path that the server refuses to use: a link, a folder that is not one, a foreign file. Never fixed by retrying. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

export interface Owner {
  uid: number;
  gid: number;
}

const FOLDER_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** Folders the server makes on the way to a session's own folder: root's, traversable, not writable by others. */
const INTERMEDIATE_FOLDER_MODE = 0o755;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;
const atDescriptor = (folder: FileHandle, name: string) => `/proc/self/fd/${folder.fd}/${name}`;

export interface EnsuredFolder {
  /** The folders this call created, top first. */
  created: string[];
}

export interface WriteCheck {
  /** Besides root (this process), who may own an existing file that is written to (the session's owner). */
  owner?: Owner | null;
}

/** lstat calls in flight while a folder is listed (a DE folder holds up to 100,000 files). */
const LSTATS_IN_FLIGHT = 32;
const ENTRIES_PER_BATCH = 256;

/** A configured root (buffer, archive, camera share, pre-processing outputs) and every change made below it. */
export class SafeRoot {
  readonly root: string;

  constructor(root: string) {
    if (!path.isAbsolute(root)) throw new Error(`root ${root} is not absolute`);
    this.root = path.resolve(root);
  }

  /** The components of `candidate` below the root; refuses anything that leaves it lexically. */
  private componentsOf(candidate: string): string[] {
    const resolved = path.resolve(this.root, candidate);
    if (resolved === this.root) return [];
    if (!isInside(this.root, resolved)) throw new PathOutsideRootError(candidate, this.root);
    return path.relative(this.root, resolved).split(path.sep);
  }

  /**
   * Opens the folder `components` below the root, one component at a time, refusing links and other devices;
   * with `create`, makes the missing ones (the last with `create.mode`, the others root's and traversable).
   */
  private async walk(components: string[], create?: { mode: number; created?: string[] }): Promise<FileHandle> {
    // The root's own path comes from the configuration (trusted, checked at load), so only it may hold links.
    let current = await open(this.root, constants.O_RDONLY | constants.O_DIRECTORY).catch((error: unknown) => {
      if (errorCode(error) === 'ENOTDIR') throw new UnsafePathError(`root ${this.root} is not a folder`);
      throw error;
    });
    try {
      const device = (await current.stat()).dev;
      let walked = this.root;
      for (const [index, name] of components.entries()) {
        walked = path.join(walked, name);
        const last = index === components.length - 1;
        let next = await this.openChild(current, name, walked);
        if (!next && create) {
          await mkdir(atDescriptor(current, name), last ? create.mode : INTERMEDIATE_FOLDER_MODE).catch((error: unknown) => {
            if (errorCode(error) !== 'EEXIST') throw error;
          });
          next = await this.openChild(current, name, walked);
          if (next) {
            // mkdir's mode passes through the umask; the descriptor gets the mode asked for.
            await next.chmod(last ? create.mode : INTERMEDIATE_FOLDER_MODE);
            create.created?.push(walked);
          }
        }
        if (!next) throw Object.assign(new Error(`ENOENT: no folder ${walked}`), { code: 'ENOENT', path: walked });
        // Not waited for: a walk is a few opens, and a DE folder's 100,000 files each take several walks.
        current.close().catch(() => undefined);
        current = next;
      }
      // Checked once, at the end: a mount anywhere on the way puts everything below it on another device too.
      if (components.length > 0 && (await current.stat()).dev !== device) {
        throw new UnsafePathError(`${walked} is on another file system than ${this.root} (a mount inside the root); refusing to use it`);
      }
      return current;
    } catch (error) {
      await current.close();
      throw error;
    }
  }

  private async openChild(folder: FileHandle, name: string, shown: string): Promise<FileHandle | undefined> {
    try {
      return await open(atDescriptor(folder, name), FOLDER_FLAGS);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      if (errorCode(error) === 'ELOOP' || errorCode(error) === 'ENOTDIR') {
        // A link is refused for good; a file where a folder should be is a fault like any other (retried).
        const entry = await lstat(atDescriptor(folder, name)).catch(() => undefined);
        if (!entry || entry.isSymbolicLink()) throw new UnsafePathError(`${shown} is a symbolic link; refusing to follow it`);
        throw Object.assign(new Error(`ENOTDIR: ${shown} is not a folder`), { code: 'ENOTDIR', path: shown });
      }
      throw error;
    }
  }

  /** Runs `work` with the descriptor of `file`'s folder and `file`'s name in it. */
  private async inParent<T>(file: string, work: (folder: FileHandle, name: string) => Promise<T>, create?: { mode: number }): Promise<T> {
    const components = this.componentsOf(file);
    const name = components.pop();
    if (!name) throw new UnsafePathError(`${file} is the root itself`);
    const folder = await this.walk(components, create);
    try {
      return await work(folder, name);
    } finally {
      await folder.close();
    }
  }

  /**
   * Makes `folder` and its missing parents below the root. Only a folder this call created gets `owner` (the
   * session's): never a parent, never a folder that was already there.
   */
  async ensureFolder(folder: string, options: { mode?: number; owner?: Owner | null } = {}): Promise<EnsuredFolder> {
    const created: string[] = [];
    const mode = options.mode ?? INTERMEDIATE_FOLDER_MODE;
    const handle = await this.walk(this.componentsOf(folder), { mode, created });
    try {
      if (options.owner && created.at(-1) === path.resolve(this.root, folder)) await handle.chown(options.owner.uid, options.owner.gid);
      return { created };
    } finally {
      await handle.close();
    }
  }

  /** Whether `folder` exists below the root as a real folder (a link on the way is refused, not "absent"). */
  async folderExists(folder: string): Promise<boolean> {
    try {
      await (await this.walk(this.componentsOf(folder))).close();
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Creates a new file for writing, never through a link: O_CREAT|O_EXCL|O_NOFOLLOW. With `replaceStale`, a
   * file (or link) already at the name is unlinked first: an own temporary name from an earlier attempt.
   */
  async createFile(file: string, options: { mode?: number; replaceStale?: boolean; createFolders?: boolean } = {}): Promise<FileHandle> {
    return this.inParent(
      file,
      async (folder, name) => {
        if (options.replaceStale) {
          await unlink(atDescriptor(folder, name)).catch((error: unknown) => {
            if (errorCode(error) !== 'ENOENT') throw error;
          });
        }
        const flags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        const handle = await open(atDescriptor(folder, name), flags, options.mode ?? 0o600);
        await handle.chmod(options.mode ?? 0o600);
        return handle;
      },
      options.createFolders ? { mode: INTERMEDIATE_FOLDER_MODE } : undefined,
    );
  }

  /**
   * Opens an existing regular file on the root's file system, never through a link. `write` (append) also
   * insists on one link and an owner that is root or `check.owner`: never a foreign file or a hard link to one.
   */
  async openFile(file: string, access: 'read' | 'append' = 'read', check: WriteCheck = {}): Promise<FileHandle> {
    return this.inParent(file, async (folder, name) => {
      const flags = (access === 'read' ? constants.O_RDONLY : constants.O_WRONLY | constants.O_APPEND) | constants.O_NOFOLLOW;
      const handle = await open(atDescriptor(folder, name), flags).catch((error: unknown) => {
        if (errorCode(error) === 'ELOOP') throw new UnsafePathError(`${file} is a symbolic link; refusing to follow it`);
        throw error;
      });
      try {
        const [info, folderInfo] = await Promise.all([handle.stat(), folder.stat()]);
        refuseUnlessOwnFile(file, info, folderInfo, access === 'append' ? check : undefined);
        return handle;
      } catch (error) {
        await handle.close();
        throw error;
      }
    });
  }

  /** Opens a file for appending, creating it (root's, `mode`) when missing; refuses a link or a foreign file. */
  async openForAppend(file: string, options: WriteCheck & { mode?: number; header?: string } = {}): Promise<FileHandle> {
    try {
      const handle = await this.createFile(file, { mode: options.mode ?? 0o644 });
      if (options.header) await handle.write(options.header);
      return handle;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
      return this.openFile(file, 'append', options);
    }
  }

  /** Appends `text` (see openForAppend). */
  async append(file: string, text: string, options: WriteCheck & { mode?: number } = {}): Promise<void> {
    const handle = await this.openForAppend(file, options);
    try {
      await handle.write(text);
    } finally {
      await handle.close();
    }
  }

  /**
   * Replaces the server's own file (a list it keeps, a tool's input it writes) with `content`: a new temporary
   * file beside it, then rename(2), so a reader sees the old or the new content, never half, and a link at
   * either name is replaced, never written through.
   */
  async replaceFile(file: string, content: string | Buffer, options: { mode?: number } = {}): Promise<void> {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
    const handle = await this.createFile(temp, { replaceStale: true, mode: options.mode ?? 0o644 });
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.rename(temp, file);
  }

  /** The whole content of a file below the root, read without following links. */
  async readBytes(file: string): Promise<Buffer> {
    const handle = await this.openFile(file);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async readText(file: string): Promise<string> {
    return (await this.readBytes(file)).toString('utf8');
  }

  /** lstat of an entry (a link is reported as a link, not followed); undefined when absent, or its folder is. */
  async entry(file: string): Promise<Stats | undefined> {
    const absent = (error: unknown) => {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    };
    return this.inParent(file, (folder, name) => lstat(atDescriptor(folder, name)).catch(absent)).catch(absent);
  }

  /** A folder's entries with their lstat (links reported as links), in one walk: a DE folder holds thousands. */
  async listWithStats(folder: string, onProgress?: (entriesDone: number) => void): Promise<{ name: string; stats: Stats }[]> {
    const handle = await this.walk(this.componentsOf(folder));
    try {
      const names = await readdir(`/proc/self/fd/${handle.fd}`);
      const listed: { name: string; stats: Stats }[] = [];
      for (let start = 0; start < names.length; start += LSTATS_IN_FLIGHT) {
        onProgress?.(start);
        const batch = names.slice(start, start + LSTATS_IN_FLIGHT);
        const stats = await Promise.all(
          batch.map((name) =>
            lstat(atDescriptor(handle, name)).catch((error: unknown) => {
              if (errorCode(error) === 'ENOENT') return undefined;
              throw error;
            }),
          ),
        );
        for (const [i, entry] of stats.entries()) if (entry) listed.push({ name: batch[i]!, stats: entry });
      }
      return listed;
    } finally {
      await handle.close();
    }
  }

  /**
   * A folder's entries with the type the listing gives, streamed in batches: a camera share's top level can hold a
   * million, and a promise per entry would cost seconds.
   */
  async *streamEntries(folder: string): AsyncGenerator<Dirent[]> {
    const handle = await this.walk(this.componentsOf(folder));
    try {
      let batch: Dirent[] = [];
      for await (const dirent of await opendir(`/proc/self/fd/${handle.fd}`, { bufferSize: ENTRIES_PER_BATCH })) {
        batch.push(dirent);
        if (batch.length === ENTRIES_PER_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      await handle.close();
    }
  }


  /**
   * link(2) without replacing anything (EEXIST when the name is taken; EXDEV across file systems); both names are
   * re-resolved from their roots. Linux's link(2) does not follow a link at `from`: it links the link itself.
   */
  async link(from: string, to: string, toRoot: SafeRoot = this): Promise<void> {
    await this.inParent(from, (fromFolder, fromName) => toRoot.inParent(to, (toFolder, toName) => link(atDescriptor(fromFolder, fromName), atDescriptor(toFolder, toName))));
  }

  /** rename(2) below the root: replaces `to`, so only for the server's own files. */
  async rename(from: string, to: string): Promise<void> {
    await this.inParent(from, (fromFolder, fromName) => this.inParent(to, (toFolder, toName) => rename(atDescriptor(fromFolder, fromName), atDescriptor(toFolder, toName))));
  }

  /** Removes one name; a link is removed itself, never what it points at. ENOENT is the caller's to judge. */
  async unlink(file: string): Promise<void> {
    await this.inParent(file, (folder, name) => unlink(atDescriptor(folder, name)));
  }

  /** Removes an empty folder (ENOTEMPTY otherwise); a link at the name is refused by rmdir itself (ENOTDIR). */
  async rmdir(folder: string): Promise<void> {
    await this.inParent(folder, (parent, name) => rmdir(atDescriptor(parent, name)));
  }

  /** fsync of a folder, so a new name in it survives a crash. */
  async syncFolder(folder: string): Promise<void> {
    const handle = await this.walk(this.componentsOf(folder));
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Makes a configured root itself when it is missing (it is the configuration's, so its path is trusted). */
  async ensureExists(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: INTERMEDIATE_FOLDER_MODE });
  }

  /** Whether `file` lies below this root (lexically). */
  contains(file: string): boolean {
    return isInside(this.root, path.resolve(this.root, file));
  }
}

function refuseUnlessOwnFile(file: string, info: Stats, folder: Stats, write: WriteCheck | undefined): void {
  if (!info.isFile()) throw new UnsafePathError(`${file} is not a regular file; refusing to use it`);
  if (info.dev !== folder.dev) throw new UnsafePathError(`${file} is on another file system than its folder; refusing to use it`);
  if (!write) return;
  if (info.nlink !== 1) throw new UnsafePathError(`${file} has ${info.nlink} hard links (one may be another file's name); refusing to write to it`);
  const me = process.getuid?.() ?? 0;
  if (info.uid !== me && info.uid !== write.owner?.uid) {
    throw new UnsafePathError(`${file} is owned by uid ${info.uid}, not by this server or the session's owner; refusing to write to it`);
  }
}

/** Sets a new file's mode, and its owner when one is given, on its descriptor (never by path). */
/** Which root a movie's path lies in: the buffer, or the archive for a movie placed straight there. */
export function movieRootHolding(file: string, buffer: SafeRoot, archive: SafeRoot): SafeRoot {
  if (buffer.contains(file)) return buffer;
  if (archive.contains(file)) return archive;
  throw new UnsafePathError(`${file} lies outside the buffer root ${buffer.root} and the archive root ${archive.root}; refusing to use it`);
}

export async function setOwnership(handle: FileHandle, mode: number, owner: Owner | null | undefined): Promise<void> {
  await handle.chmod(mode);
  if (owner) await handle.chown(owner.uid, owner.gid);
}
