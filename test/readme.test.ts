/**
 * Every TypeScript block of the README runs as written, against the packed package (as users
 * install it), each in its own Node process (issue 12).
 *
 * A block may be preceded by an HTML comment, invisible on the rendered page, that says what
 * the prose around it assumes:
 *   <!-- readme-test: setup
 *   const users = [...];             code run before the block (its inputs)
 *   -->
 *   <!-- readme-test: name quick-start -->  names a block for others to follow
 *   <!-- readme-test: after quick-start --> runs after that block (and what it follows), in
 *                                     the same module
 *   <!-- readme-test: files a b/ -->  needs these paths in the working directory (linked from
 *                                     ../shared/data; skipped with a message when absent)
 * Directives combine with ';' ("after quick-start; files models/als_model als.npz out/").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { packed, root } from './runtimes/pack.js';

interface Block {
  line: number;
  code: string;
  setup: string;
  name: string | null;
  after: string | null;
  files: string[];
}

/** The ```ts blocks of a Markdown text with their readme-test directives. */
export function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let n = 0; n < lines.length; n++) {
    if (lines[n]!.trim() !== '```ts') continue;
    const end = lines.indexOf('```', n + 1);
    const code = lines.slice(n + 1, end).join('\n');
    const block: Block = { line: n + 1, code, setup: '', name: null, after: null, files: [] };
    // The directive comment ends on the line above the fence.
    if (lines[n - 1]?.trim().endsWith('-->')) {
      let start = n - 1;
      while (start > 0 && !lines[start]!.includes('<!--')) start--;
      const comment = lines
        .slice(start, n)
        .join('\n')
        .replace(/^\s*<!--\s*readme-test:\s*/, '')
        .replace(/-->\s*$/, '');
      const [head = '', ...body] = comment.split('\n');
      for (const directive of head
        .split(';')
        .map((d) => d.trim())
        .filter(Boolean)) {
        if (directive.startsWith('name ')) block.name = directive.slice(5).trim();
        else if (directive.startsWith('after ')) block.after = directive.slice(6).trim();
        else if (directive.startsWith('files ')) block.files.push(...directive.slice(6).trim().split(/\s+/));
        else if (directive !== 'setup') throw new Error(`README line ${n}: unknown readme-test directive '${directive}'`);
      }
      block.setup = body.join('\n');
    }
    blocks.push(block);
    n = end;
  }
  return blocks;
}

/** Where each path the README's blocks name comes from (../shared/data), or an empty directory. */
const sharedData = join(root, '..', 'shared', 'data');
const SOURCES: Record<string, string | null> = {
  'ml-latest-small/ratings.csv': join(sharedData, 'ml-latest-small', 'ratings.csv'),
  'models/als_model': join(sharedData, 'spark-alsmodel-ml100k', 'als_model'),
  'als.npz': join(sharedData, 'implicit-npz', 'hexy00123-s25_als_model.npz'),
  'out/': null,
};

const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'als-wasm-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The module a block runs as: the blocks it follows, then itself, each after its setup. */
function moduleOf(block: Block): string {
  const chain: Block[] = [block];
  while (chain[0]!.after) {
    const name = chain[0]!.after;
    const before = blocks.find((b) => b.name === name);
    if (!before) throw new Error(`README line ${chain[0]!.line}: no block is named '${name}'`);
    chain.unshift(before);
  }
  return chain.map((b) => `${b.setup}\n${b.code}`).join('\n');
}

describe('README TypeScript blocks run as written (packed package)', () => {
  it('finds the blocks and their directives', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    for (const block of blocks)
      for (const file of block.files) expect(Object.keys(SOURCES), `README line ${block.line}`).toContain(file);
  });

  blocks.forEach((block) => {
    const missing = block.files.filter((f) => SOURCES[f] && !existsSync(SOURCES[f]!));
    const title = `line ${block.line}: ${block.code
      .split('\n')
      .find((l) => l.trim() && !l.startsWith('import'))!
      .trim()
      .slice(0, 60)}`;
    if (missing.length)
      console.warn(`README block at ${title} needs ${missing.join(', ')} from ../shared/data (absent): skipped.`);
    it.skipIf(missing.length > 0)(title, () => {
      const { app } = packed();
      const dir = join(work, `block-${block.line}`);
      mkdirSync(dir);
      for (const file of block.files) {
        const target = join(dir, file);
        mkdirSync(dirname(target), { recursive: true });
        if (SOURCES[file]) symlinkSync(SOURCES[file]!, target.replace(/\/$/, ''));
        else mkdirSync(target, { recursive: true });
      }
      // TypeScript to JavaScript only (types stripped); the module lives in the app, so
      // 'als-wasm' resolves to the installed tarball, and runs with the block's files as cwd.
      const js = transformSync(moduleOf(block), { loader: 'ts', format: 'esm', target: 'node20' }).code;
      const file = join(app, `readme-${block.line}.mjs`);
      writeFileSync(file, js);
      const result = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect(result.status, `README block at line ${block.line} failed:\n${result.stderr}`).toBe(0);
    });
  });
});
