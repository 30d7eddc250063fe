/** A card transaction as the fraud model sees it. */
export interface Transaction {
  /** Amount in the account's currency. */
  amount: number;
  /** ISO 3166-1 alpha-2 country of the merchant. */
  country: string;
  /** Channel: `web`, `ios`, `android`, `pos`. */
  channel: string;
  /** Hours since the card's previous transaction. */
  hoursSinceLast: number;
  /** Customer's e-mail (personal data: the service hashes it before it leaves the process). */
  email?: string;
}

/** What the model answers. */
export interface FraudScore {
  /** Probability-like score in [0, 1]. */
  score: number;
  /** `score >= threshold`. */
  fraud: boolean;
}

const RISKY_COUNTRIES: ReadonlySet<string> = new Set(['XX', 'ZZ']);
const THRESHOLD = 0.7;

/**
 * A stand-in for a real fraud model: a fixed logistic function of the
 * features, deterministic, and cheap enough that a benchmark measures the
 * service around it rather than the model. `score` is async, as a call to a
 * model server or an ONNX session would be.
 */
export const fraudModel = {
  /** Scores one transaction. */
  async score(tx: Transaction): Promise<FraudScore> {
    return scoreSync(tx);
  },
};

function scoreSync(tx: Transaction): FraudScore {
  const z =
    -4 +
    0.004 * tx.amount +
    (RISKY_COUNTRIES.has(tx.country) ? 2.5 : 0) +
    (tx.channel === 'web' ? 0.5 : 0) +
    (tx.hoursSinceLast < 0.1 ? 1.5 : 0);
  const score = 1 / (1 + Math.exp(-z));
  return { score, fraud: score >= THRESHOLD };
}
