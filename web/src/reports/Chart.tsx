// A Chart.js chart in a canvas. The canvas is an image with a label saying what it shows; every figure it draws is
// also in the data table beneath it (the accessible way to read the chart). No animation: a calm, steady page.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from "chart.js";
import { useEffect, useRef } from "react";
import { seriesColour } from "./model.ts";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale);
Chart.register(Legend, Tooltip);

const TEXT = "#212b32"; // NHS text colour
const GRID = "#d8dde0"; // NHS grey 4

export interface ChartProps {
  kind: "stacked-bar" | "line";
  labels: string[];
  series: { label: string; values: (number | null)[]; colour?: string; dashed?: boolean }[];
  /** What the chart shows, read out for the canvas ("Requests received per week, by specialty"). */
  label: string;
  /** The y axis's title ("Requests", "Hours"). */
  yTitle: string;
  /** Whole numbers only on the y axis (counts). */
  integer?: boolean;
  testId?: string;
}

function config(p: ChartProps): ChartConfiguration {
  const font = { family: getComputedStyle(document.body).fontFamily, size: 14 };
  const datasets = p.series.map((s, i): ChartDataset => {
    const colour = s.colour ?? seriesColour(s.label, i);
    return p.kind === "line"
      ? {
          type: "line",
          label: s.label,
          data: s.values,
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: 3,
          borderDash: s.dashed ? [8, 5] : [],
          pointRadius: p.labels.length > 40 ? 0 : 3,
          pointHoverRadius: 5,
          spanGaps: false,
          tension: 0,
        }
      : {
          type: "bar",
          label: s.label,
          data: s.values,
          backgroundColor: colour,
          borderColor: "#ffffff",
          borderWidth: { top: 1, bottom: 0, left: 0, right: 0 },
          maxBarThickness: 48,
        };
  });
  const stacked = p.kind === "stacked-bar";
  return {
    type: p.kind === "line" ? "line" : "bar",
    data: { labels: p.labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: TEXT,
      font,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: {
          position: "bottom",
          labels: { color: TEXT, font, boxWidth: 16, boxHeight: 16, padding: 16 },
        },
        tooltip: {
          titleFont: font,
          bodyFont: font,
        },
      },
      scales: {
        x: {
          stacked,
          ticks: { color: TEXT, font, autoSkip: true, maxRotation: 50 },
          grid: { display: false },
        },
        y: {
          stacked,
          beginAtZero: true,
          title: { display: true, text: p.yTitle, color: TEXT, font },
          ticks: { color: TEXT, font, ...(p.integer ? { precision: 0 } : {}) },
          grid: { color: GRID },
        },
      },
    },
  };
}

export function ChartView(props: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const cfg = JSON.stringify([props.kind, props.labels, props.series, props.integer, props.yTitle]);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current?.destroy();
    chart.current = new Chart(canvas.current, config(props));
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
    // Rebuilt when what it draws changes (cfg), not on every render.
  }, [cfg]);
  return (
    <div className="app-chart" data-testid={props.testId}>
      <canvas ref={canvas} role="img" aria-label={`${props.label}. The figures are in the table below the chart.`}>
        {props.label}. The figures are in the table below.
      </canvas>
    </div>
  );
}
