/**
 * bench/results.md is rewritten by a full run; a run of some scenarios only (`npm run bench --
 * relay`) must not throw the other figures away. This merges such a run into the file: its
 * sections replace those of the same heading (or are appended), each marked with when and on
 * what it was measured, and the targets table keeps every row this run did not measure.
 */

interface Parsed {
  head: string;
  sections: Array<{ heading: string; text: string }>;
}

function parse(markdown: string): Parsed {
  const parts = markdown.split(/\n(?=## )/);
  const head = parts[0]?.startsWith('## ') ? '' : (parts.shift() ?? '');
  return {
    head,
    sections: parts.map((text) => ({ heading: text.split('\n', 1)[0] ?? '', text: text.trimEnd() })),
  };
}

const TARGET_ROW = /^\| ([^|]+) \| [^|]* \| ([^|]*) \|$/;

/** The targets table: rows this run measured replace the old ones of the same target. */
function mergeTargets(old: string, fresh: string): string {
  const freshRows = new Map<string, string>();
  for (const line of fresh.split('\n')) {
    const m = TARGET_ROW.exec(line);
    if (m && m[2]?.trim() !== 'not measured' && m[1] !== 'target (issue #8)')
      freshRows.set(m[1] as string, line);
  }
  const lines = old.split('\n').map((line) => {
    const m = TARGET_ROW.exec(line);
    const replacement = m ? freshRows.get(m[1] as string) : undefined;
    if (replacement) freshRows.delete(m?.[1] as string);
    return replacement ?? line;
  });
  return [...lines, ...freshRows.values()].join('\n');
}

/** `existing` with this partial run's `sections` (markdown, each starting with its `## ` heading) merged in. */
export function mergeResults(existing: string, sections: string[], stamp: string): string {
  const file = parse(existing);
  for (const section of sections) {
    const heading = section.split('\n', 1)[0] ?? '';
    const old = file.sections.find((s) => s.heading === heading);
    if (heading === '## Targets') {
      if (old) old.text = mergeTargets(old.text, section);
      else file.sections.unshift({ heading, text: section });
      continue;
    }
    const marked = section.replace(/\n/, `\n\n_${stamp}_\n`);
    if (old) old.text = marked;
    else file.sections.push({ heading, text: marked });
  }
  return `${file.head.trimEnd()}\n\n${file.sections.map((s) => s.text).join('\n\n')}\n`;
}
