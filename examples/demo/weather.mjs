// The demo's data: daily weather of Seattle and New York, 2012–2015, as shipped in the
// `vega-datasets` npm package (data/weather.csv, NOAA daily summaries). Read from the installed
// package's files: its JavaScript entry point would fetch the data from a CDN instead.
import { readFileSync } from 'node:fs';

/** Weather categories of the data set, in a fixed order (the one-hot encoding's). */
export const WEATHER_KINDS = ['drizzle', 'fog', 'rain', 'snow', 'sun'];

/** Numeric columns a model reads, in a fixed order. */
export const NUMERIC_COLUMNS = ['precipitation', 'temp_max', 'temp_min', 'wind'];

/**
 * @typedef {object} Day one city's measurements of one day, and the truth the models predict
 * @property {string} city `Seattle` or `New York`
 * @property {string} date `YYYY-MM-DD`
 * @property {number} precipitation mm
 * @property {number} temp_max °C
 * @property {number} temp_min °C
 * @property {number} wind m/s
 * @property {string} weather one of {@link WEATHER_KINDS}
 * @property {'rain' | 'dry' | null} rainTomorrow `rain` when the next day had measurable precipitation; null on the last day
 */

/** Reads `weather.csv` from the installed `vega-datasets` package. */
export function loadWeather() {
  const url = new URL('../data/weather.csv', import.meta.resolve('vega-datasets'));
  return parseWeather(readFileSync(url, 'utf8'));
}

/**
 * Parses the CSV (`location,date,precipitation,temp_max,temp_min,wind,weather`) into days,
 * oldest first, each with the next day's outcome of the same city.
 * @param {string} text
 * @returns {Day[]}
 */
export function parseWeather(text) {
  const lines = text.trim().split(/\r?\n/);
  if (lines[0] !== 'location,date,precipitation,temp_max,temp_min,wind,weather') throw new Error(`weather.csv: unexpected header ${JSON.stringify(lines[0])}`);
  /** @type {Map<string, Day[]>} */
  const byCity = new Map();
  for (const line of lines.slice(1)) {
    const [city, date, precipitation, tempMax, tempMin, wind, weather] = line.split(',');
    const day = { city, date, precipitation: Number(precipitation), temp_max: Number(tempMax), temp_min: Number(tempMin), wind: Number(wind), weather, rainTomorrow: null };
    if (!byCity.has(city)) byCity.set(city, []);
    byCity.get(city).push(day);
  }
  for (const days of byCity.values()) {
    days.sort((a, b) => a.date.localeCompare(b.date));
    for (let i = 0; i + 1 < days.length; i++) days[i].rainTomorrow = days[i + 1].precipitation > 0 ? 'rain' : 'dry';
  }
  return [...byCity.values()].flat().sort((a, b) => a.date.localeCompare(b.date) || a.city.localeCompare(b.city));
}

/** The features a model is given and the SDK logs: today's measurements and the city. */
export function featuresOf(day) {
  return { precipitation: day.precipitation, temp_max: day.temp_max, temp_min: day.temp_min, wind: day.wind, weather: day.weather, city: day.city };
}
