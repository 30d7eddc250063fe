export const STATS_VERSION = "0.1.0";
