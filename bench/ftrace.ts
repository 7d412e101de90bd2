import { Prng } from '../packages/kalloc/src/core/prng.ts';
import { formatNumber } from '../packages/lab/src/format.ts';
import { readFtrace } from '../packages/kalloc/src/trace/ftrace.ts';
import { sink } from './harness.ts';
import type { BenchSuite } from './index.ts';

/**
 * How fast readFtrace() turns trace text into events, in MB/s, on a generated trace in the
 * kernel's exact line formats (a mix like a real kmem + vmalloc trace), fed as 64 KiB chunks
 * the way a file stream delivers them. The target is >= 50 MB/s.
 */
const CHUNK = 64 * 1024;

function generateTrace(megabytes: number): Buffer[] {
  const rng = new Prng(7);
  const tasks = ['bash-5291', 'node-5298', 'kworker/u4:1-88', 'Web Content-4321', 'gzip-5301'];
  const lines: string[] = [];
  let bytes = 0;
  let time = 3670.271056;
  while (bytes < megabytes * 1e6) {
    const task = tasks[rng.below(tasks.length)]!;
    const cpu = String(rng.below(2)).padStart(3, '0');
    time += rng.below(40) / 1e6;
    const head = `${task.padStart(16)} [${cpu}] ..... ${time.toFixed(6)}: `;
    const pfn = (0x100000 + rng.below(0x40000)).toString(16);
    const page = rng.below(2 ** 32).toString(16).padStart(16, '0');
    const r = rng.below(100);
    let line: string;
    if (r < 30) line = `mm_page_alloc: page=${page} pfn=0x${pfn} order=${rng.below(4)} migratetype=${rng.below(3)} gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP`;
    else if (r < 55) line = `mm_page_free: page=${page} pfn=0x${pfn} order=${rng.below(4)}`;
    else if (r < 70) line = `mm_page_free_batched: page=${page} pfn=0x${pfn} order=0`;
    else if (r < 85) line = `mm_page_alloc_zone_locked: page=${page} pfn=0x${pfn} order=0 migratetype=1 percpu_refill=1`;
    else if (r < 98) line = `mm_page_pcpu_drain: page=${page} pfn=0x${pfn} order=0 migratetype=1`;
    else if (r < 99) line = `alloc_vmap_area: va_start: ${18446683600570023936n + BigInt(rng.below(2 ** 30)) * 4096n} size=20480 align=16384 vstart=0xffffc90000000000 vend=0xffffe8ffffffffff failed=0`;
    else line = `free_vmap_area_noflush: va_start=0x${(0xffffc90000000000n + BigInt(rng.below(2 ** 30)) * 4096n).toString(16)} nr_lazy=5 nr_lazy_max=32768`;
    lines.push(head + line);
    bytes += head.length + line.length + 1;
  }
  const text = Buffer.from(`${lines.join('\n')}\n`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < text.length; i += CHUNK) chunks.push(text.subarray(i, i + CHUNK));
  return chunks;
}

export const ftraceSuite: BenchSuite = {
  name: 'ftrace',
  description: 'readFtrace() parse speed on a generated kmem + vmalloc trace (MB/s, target >= 50)',
  async run() {
    const megabytes = Number(process.env.FTRACE_MB ?? 40);
    const chunks = generateTrace(megabytes);
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    const rates: number[] = [];
    let events = 0;
    for (let rep = 0; rep < 4; rep++) {
      const t0 = performance.now();
      events = 0;
      for await (const e of readFtrace(chunks)) {
        events++;
        sink.value += e.cpu;
      }
      if (rep > 0) rates.push(bytes / 1e6 / ((performance.now() - t0) / 1000)); // rep 0 warms up
    }
    rates.sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)]!;
    console.log(`${formatNumber(bytes / 1e6, 1)} MB, ${formatNumber(events)} events: ` +
      `median ${formatNumber(median, 1)} MB/s (runs: ${rates.map((r) => r.toFixed(1)).join(', ')}), ` +
      `${formatNumber((events / bytes) * median * 1e6 / 1e6, 2)} M events/s`);
  },
};
