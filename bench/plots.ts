import { writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';

/** One coloured series of a chart; `values[i]` belongs to category i. */
export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface Chart {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Label of each position on the x axis. */
  categories: string[];
  series: Series[];
  /** Bars side by side per category, or a line per series. */
  style: 'bars' | 'lines';
  /** Moments to point at (a fault injected): a dashed vertical line at category `index`, labelled. */
  marks?: { index: number; label: string }[];
}

export const COLORS = { temporal: '#2b6cb0', pgBoss: '#dd6b20', poller: '#718096' };

const WIDTH = 960;
const HEIGHT = 440;
const MARGIN = { top: 48, right: 24, bottom: 64, left: 72 };
const MAX_X_LABELS = 12;

/** A round step (1, 2 or 5 times a power of ten) that cuts `max` into about `parts` pieces. */
export function niceStep(max: number, parts: number): number {
  if (max <= 0) return 1;
  const raw = max / parts;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return step ?? 10 * power;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The chart as SVG, drawn by hand: axes, grid, bars or lines, a legend. */
export function chartSvg(chart: Chart): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = Math.max(1, ...chart.series.flatMap((series) => series.values));
  const yStep = niceStep(top, 5);
  const yMax = Math.ceil(top / yStep) * yStep;
  const count = Math.max(1, chart.categories.length);
  const slot = plotWidth / count;
  const x = (index: number) => MARGIN.left + index * slot;
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="28" font-size="18" text-anchor="middle" fill="#1a202c">${escape(chart.title)}</text>`,
  ];
  for (let value = 0; value <= yMax + 1e-9; value += yStep) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e2e8f0"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(value) + 4}" font-size="12" text-anchor="end" fill="#4a5568">${Number(value.toPrecision(6))}</text>`,
    );
  }
  const labelEvery = Math.ceil(count / MAX_X_LABELS);
  chart.categories.forEach((label, index) => {
    if (index % labelEvery !== 0) return;
    parts.push(
      `<text x="${x(index) + slot / 2}" y="${MARGIN.top + plotHeight + 18}" font-size="12" text-anchor="middle" fill="#4a5568">${escape(label)}</text>`,
    );
  });
  chart.series.forEach((series, seriesIndex) => {
    if (chart.style === 'bars') {
      const barWidth = Math.max(1, (slot * 0.8) / chart.series.length);
      series.values.forEach((value, index) => {
        if (value <= 0) return;
        const left = x(index) + slot * 0.1 + seriesIndex * barWidth;
        parts.push(
          `<rect x="${left}" y="${y(value)}" width="${barWidth}" height="${y(0) - y(value)}" fill="${series.color}"/>`,
        );
      });
    } else {
      const points = series.values.map((value, index) => `${x(index) + slot / 2},${y(value)}`).join(' ');
      parts.push(`<polyline points="${points}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
    }
    const legendY = MARGIN.top + 6 + seriesIndex * 18;
    parts.push(
      `<rect x="${WIDTH - MARGIN.right - 190}" y="${legendY}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${WIDTH - MARGIN.right - 172}" y="${legendY + 11}" font-size="13" fill="#1a202c">${escape(series.name)}</text>`,
    );
  });
  (chart.marks ?? []).forEach((mark, markIndex) => {
    const markX = x(mark.index) + slot / 2;
    // Labels step down the plot so that marks close together stay readable.
    const labelY = MARGIN.top + 14 + (markIndex % 10) * 13;
    parts.push(
      `<line x1="${markX}" x2="${markX}" y1="${MARGIN.top}" y2="${y(0)}" stroke="#c53030" stroke-dasharray="4 3"/>`,
      `<text x="${markX + 3}" y="${labelY}" font-size="11" fill="#c53030">${escape(mark.label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#1a202c"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${y(0)}" stroke="#1a202c"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 18}" font-size="13" text-anchor="middle" fill="#1a202c">${escape(chart.xTitle)}</text>`,
    `<text transform="translate(20 ${MARGIN.top + plotHeight / 2}) rotate(-90)" font-size="13" text-anchor="middle" fill="#1a202c">${escape(chart.yTitle)}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/** Rasterises the chart to a PNG file with resvg (a prebuilt binary from npm: nothing is downloaded at run time). */
export async function writeChartPng(chart: Chart, file: string): Promise<void> {
  const png = new Resvg(chartSvg(chart), { background: 'white', font: { loadSystemFonts: true } }).render().asPng();
  await writeFile(file, png);
}

/** Counts of `samples` in bins of one round width from 0 (negative values fall in the first bin). */
export function histogram(seriesSamples: number[][], bins = 25): { edges: number[]; counts: number[][] } {
  const top = Math.max(1, ...seriesSamples.flat());
  const width = niceStep(top, bins);
  const binCount = Math.floor(top / width) + 1;
  const edges = Array.from({ length: binCount }, (_, index) => index * width);
  const counts = seriesSamples.map((samples) => {
    const bucket = new Array<number>(binCount).fill(0);
    for (const sample of samples) bucket[Math.min(binCount - 1, Math.max(0, Math.floor(sample / width)))]! += 1;
    return bucket;
  });
  return { edges, counts };
}
