// A toy token generator, NOT a language model: it fills a fixed sentence template with the day's
// numbers and streams it word by word, with a "prompt processing" pause before the first word
// and a short pause between words, the way a chat model's streaming API delivers tokens. It is
// here so that the demo exercises the SDK's streaming path: `gen_ai.*` span attributes, token
// counts and the time to the first token.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @typedef {object} ToyChunk one streamed token
 * @property {string} text the token, with its leading space
 * @property {number} index 0-based position in the answer
 * @property {number} promptTokens words in the prompt
 * @property {boolean} last true on the final token
 */

/**
 * Streams a one-sentence forecast summary.
 * @param {import('./weather.mjs').Day} day
 * @param {{ score: number, label: string }} forecast the model's answer
 * @returns {AsyncGenerator<ToyChunk>}
 */
export async function* writeSummary(day, forecast) {
  const prompt = `Summarise tomorrow's forecast for ${day.city} given ${day.weather}, ${day.temp_max} °C and a rain probability of ${forecast.score.toFixed(2)}.`;
  const promptTokens = prompt.split(/\s+/).length;
  const outlook = forecast.label === 'rain' ? 'bring an umbrella' : 'leave the umbrella at home';
  const words = `${day.city} after a day of ${day.weather} at ${Math.round(day.temp_max)} °C: rain tomorrow is ${Math.round(forecast.score * 100)} % likely, so ${outlook}.`.split(' ');
  // "Prompt processing" grows with the prompt, as a model's time to first token does.
  await sleep(8 + promptTokens / 2);
  for (let i = 0; i < words.length; i++) {
    yield { text: `${i === 0 ? '' : ' '}${words[i]}`, index: i, promptTokens, last: i === words.length - 1 };
    if (i < words.length - 1) await sleep(2);
  }
}
