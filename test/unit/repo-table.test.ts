// src/cli/terminal/repo-table.ts: the repository table's layout, cutting, cleaning and relative times.
import { describe, expect, it } from 'vitest';
import { type Paint } from '../../src/cli/terminal/paint.js';
import { safeText } from '../../src/cli/terminal/safe-text.js';
import { displayWidth, fit, RepoTable } from '../../src/cli/terminal/repo-table.js';
import { timeAgo } from '../../src/duration.js';
import { summarizeGitHubRepo, type GitHubRepo } from '../../src/providers/github-repos.js';
import type { RepoSummary } from '../../src/providers/types.js';

const plain: Paint = { bold: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s };
const NOW = Date.parse('2026-01-01T00:00:00Z');

/** A repository as GitHub sends it, as the table gets it. */
function repo(name: string, extra: Partial<GitHubRepo> = {}): RepoSummary {
  return summarizeGitHubRepo({
    full_name: `octocat/${name}`,
    name,
    private: false,
    fork: false,
    archived: false,
    description: `about ${name}`,
    html_url: `https://github.com/octocat/${name}`,
    language: 'TypeScript',
    stargazers_count: 7,
    updated_at: '2025-12-29T00:00:00Z',
    ...extra,
  });
}

describe('RepoTable', () => {
  it('prints a header once, aligned columns, and the description last', () => {
    const table = new RepoTable({ paint: plain, width: undefined, now: NOW });
    const first = table.render([repo('a'), repo('longer-name', { private: true, visibility: 'private', fork: true, stargazers_count: 1234 })]);
    const lines = first.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VISIBILITY\s+LANGUAGE\s+STARS\s+UPDATED\s+DESCRIPTION$/);
    // OWNER/NAME, as gh shows it.
    expect(lines[1]).toBe('octocat/a            public         TypeScript      7  3 days ago  about a');
    expect(lines[2]).toBe('octocat/longer-name  private, fork  TypeScript   1234  3 days ago  about longer-name');
    // Later pages: no header again, same columns.
    expect(table.render([repo('b')])).toBe('octocat/b            public         TypeScript      7  3 days ago  about b\n');
  });

  it('on a terminal, cuts the description (and over-long later values) to the width', () => {
    const table = new RepoTable({ paint: plain, width: 60, now: NOW });
    table.render([repo('a', { description: 'x'.repeat(100) })]);
    const out = table.render([repo('a-much-longer-name-than-the-first', { description: 'y'.repeat(100) })]);
    expect(displayWidth(out.trimEnd())).toBeLessThanOrEqual(60);
    expect(out).toContain('…');
    // No room left for a description: the column goes, rather than a sliver of it.
    const narrow = new RepoTable({ paint: plain, width: 50, now: NOW }).render([repo('a')]);
    expect(narrow).not.toContain('DESCRIPTION');
    expect(narrow).not.toContain('about a');
  });

  it('at 80 columns the description stays (cut), even beside "private, fork, archived", as gh keeps it', () => {
    const table = new RepoTable({ paint: plain, width: 80, now: NOW });
    const out = table.render([
      repo('octo-project', { private: true, visibility: 'private', fork: true, archived: true, description: 'A project with a description long enough to need cutting at eighty columns' }),
      repo('a', { description: 'short' }),
    ]);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/DESCRIPTION$/);
    expect(lines[1]).toMatch(/A project with.*…$/);
    expect(lines[2]).toMatch(/short$/);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('into a pipe, nothing is cut', () => {
    const table = new RepoTable({ paint: plain, width: undefined, now: NOW });
    table.render([repo('a')]);
    const out = table.render([repo('a-much-longer-name', { description: 'z'.repeat(300) })]);
    expect(out).toContain('a-much-longer-name');
    expect(out).toContain('z'.repeat(300));
    expect(out).not.toContain('…');
  });

  it('a description cannot send escape sequences or break the line', () => {
    const table = new RepoTable({ paint: plain, width: undefined, now: NOW });
    const out = table.render([repo('a', { description: 'evil\u001b[2J\u001b]0;title\u0007\nsecond line\u202e', language: null })]);
    expect(out.trimEnd().split('\n')).toHaveLength(2);
    expect(out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('evil [2J ]0;title second line');
  });
});

describe('helpers', () => {
  it('timeAgo', () => {
    const ago = (ms: number) => timeAgo(new Date(NOW - ms).toISOString(), NOW);
    expect(ago(10_000)).toBe('just now');
    expect(ago(60_000)).toBe('1 minute ago');
    expect(ago(5 * 3600_000)).toBe('5 hours ago');
    expect(ago(86400_000)).toBe('1 day ago');
    expect(ago(45 * 86400_000)).toBe('1 month ago');
    expect(ago(800 * 86400_000)).toBe('about 2 years ago');
    expect(timeAgo('not a date', NOW)).toBe('');
    expect(timeAgo(new Date(NOW + 60_000).toISOString(), NOW)).toBe('just now');
  });

  it('displayWidth and fit count wide characters as two cells', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('😀')).toBe(2);
    expect(fit('日本語テキスト', 7)).toBe('日本語…');
    expect(displayWidth(fit('日本語テキスト', 7))).toBeLessThanOrEqual(7);
    expect(fit('short', 10)).toBe('short');
  });

  it('cells pass the one sanitizer (safeText)', () => {
    expect(safeText('a\tb\r\nc\u001b[31m')).toBe('a b c [31m');
    expect(safeText(null)).toBe('null');
  });
});
