import type { ByteString } from './bytes.js';
import type { Reply } from './reply.js';

/**
 * The port through which the engine runs Lua. The engine stays pure: it keeps the scripts and
 * libraries (data, replicated through the write log) and checks every command a script calls;
 * a runner (the `script` package, on fengari) compiles and runs the code. Without a runner the
 * scripting commands still store and replicate scripts, and answer running ones with an error.
 */
export interface ScriptRunner {
  /** Compiles a script (SCRIPT LOAD): Redis's error text, or undefined when it compiles. */
  checkScript(body: ByteString): string | undefined;
  /** Runs an EVAL script; `body` is known to hash to `sha`. */
  evalScript(call: ScriptCall): Reply;
  /** Compiles a FUNCTION LOAD library and reports what it registers, or Redis's error text. */
  parseLibrary(code: ByteString): LibraryInfo | string;
  /** Runs function `functionName` of `library` (FCALL). */
  callFunction(call: FunctionCall): Reply;
  /** Forgets compiled code (SCRIPT FLUSH, FUNCTION FLUSH/DELETE/RESTORE). */
  forget(): void;
}

/** What a running script may do to the node: one command at a time, checked as Redis checks it. */
export interface ScriptHost {
  /** Runs a command from the script; errors are replies (redis.call raises them, redis.pcall returns them). */
  call(argv: ByteString[]): Reply;
  /** The read-only state of the run: true in EVAL_RO/FCALL_RO, `no-writes` scripts and functions. */
  readonly readonly: boolean;
}

export interface ScriptCall {
  readonly sha: string;
  readonly body: ByteString;
  readonly keys: readonly ByteString[];
  readonly args: readonly ByteString[];
  /** Set by the command form (EVAL_RO, EVALSHA_RO). */
  readonly readonlyCommand: boolean;
  readonly host: (readonly: boolean) => ScriptHost;
}

export interface FunctionCall {
  readonly library: LibraryInfo;
  readonly functionName: string;
  readonly keys: readonly ByteString[];
  readonly args: readonly ByteString[];
  readonly readonlyCommand: boolean;
  readonly host: (readonly: boolean) => ScriptHost;
}

export interface FunctionInfo {
  readonly name: string;
  readonly description: string | null;
  /** Redis's function flags: `no-writes`, `allow-oom`, `allow-stale`, `no-cluster`, `allow-cross-slot-keys`. */
  readonly flags: readonly string[];
}

export interface LibraryInfo {
  readonly name: string;
  readonly code: ByteString;
  readonly functions: readonly FunctionInfo[];
}

/** The scripts (SCRIPT LOAD, EVAL) and function libraries (FUNCTION LOAD) a node knows. */
export class ScriptStore {
  /** sha1 hex (lowercase) → body. */
  readonly scripts = new Map<string, ByteString>();
  /** Library name → library. */
  readonly libraries = new Map<string, LibraryInfo>();
  /** Function name → its library's name. */
  readonly functions = new Map<string, string>();

  addLibrary(library: LibraryInfo): void {
    this.libraries.set(library.name, library);
    for (const fn of library.functions) this.functions.set(fn.name, library.name);
  }

  deleteLibrary(name: string): boolean {
    const library = this.libraries.get(name);
    if (library === undefined) return false;
    for (const fn of library.functions) this.functions.delete(fn.name);
    this.libraries.delete(name);
    return true;
  }

  flushFunctions(): void {
    this.libraries.clear();
    this.functions.clear();
  }
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** SHA-1 of a byte string (each code unit one byte), as 40 lowercase hex digits. */
export function sha1Hex(bytes: ByteString): string {
  const length = bytes.length;
  const blocks = ((length + 8) >>> 6) + 1;
  const words = new Int32Array(blocks * 16);
  for (let i = 0; i < length; i++) words[i >>> 2]! |= (bytes.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
  words[length >>> 2]! |= 0x80 << (24 - (length % 4) * 8);
  words[blocks * 16 - 1] = length * 8;
  words[blocks * 16 - 2] = Math.floor((length * 8) / 0x100000000);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let block = 0; block < blocks; block++) {
    for (let t = 0; t < 16; t++) w[t] = words[block * 16 + t]!;
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!, 1);
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const next = (rotl(a, 5) + f + e + k + w[t]!) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = next;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return [h0, h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}
