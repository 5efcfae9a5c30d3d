/**
 * sin, cos and asin rounded correctly, as glibc's (Redis's platform) are; V8's fdlibm-based ones can
 * be one unit in the last place off, which shows in a STOREDIST score. Computed in double-double
 * arithmetic (about 106 bits) and rounded once. Arguments here are within ±π/2 (haversine halves,
 * latitudes), where the Taylor series converge quickly.
 */
const SPLITTER = 134217729; // 2^27 + 1

let resultHigh = 0;
let resultLow = 0;

function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  resultLow = a - (s - bb) + (b - bb);
  resultHigh = s;
}

function twoProduct(a: number, b: number): void {
  const p = a * b;
  let c = SPLITTER * a;
  const aHigh = c - (c - a);
  const aLow = a - aHigh;
  c = SPLITTER * b;
  const bHigh = c - (c - b);
  const bLow = b - bHigh;
  resultLow = aHigh * bHigh - p + aHigh * bLow + aLow * bHigh + aLow * bLow;
  resultHigh = p;
}

/** (aHigh + aLow) × (bHigh + bLow), normalized into resultHigh/resultLow. */
function multiply(aHigh: number, aLow: number, bHigh: number, bLow: number): void {
  twoProduct(aHigh, bHigh);
  const high = resultHigh;
  const low = resultLow + (aHigh * bLow + aLow * bHigh);
  twoSum(high, low);
}

/** (aHigh + aLow) + (bHigh + bLow), normalized. */
function add(aHigh: number, aLow: number, bHigh: number, bLow: number): void {
  twoSum(aHigh, bHigh);
  const high = resultHigh;
  const low = resultLow + aLow + bLow;
  twoSum(high, low);
}

/** (aHigh + aLow) / d for a small integer d. */
function divide(aHigh: number, aLow: number, d: number): void {
  const q1 = aHigh / d;
  twoProduct(q1, d);
  const remainder = aHigh - resultHigh - resultLow + aLow;
  const q2 = remainder / d;
  twoSum(q1, q2);
}

/** Σ (-1)^k x^(2k+offset) / (2k+offset)! in double-double; offset 1 gives sin, 0 gives cos. */
function series(x: number, offset: number): [number, number] {
  twoProduct(x, x);
  const squareHigh = resultHigh;
  const squareLow = resultLow;
  let termHigh = offset === 1 ? x : 1;
  let termLow = 0;
  let sumHigh = termHigh;
  let sumLow = 0;
  for (let k = 1; k < 40; k++) {
    multiply(termHigh, termLow, squareHigh, squareLow);
    divide(resultHigh, resultLow, -(2 * k + offset - 1) * (2 * k + offset));
    termHigh = resultHigh;
    termLow = resultLow;
    if (Math.abs(termHigh) < Math.abs(sumHigh) * 1e-34 || termHigh === 0) break;
    add(sumHigh, sumLow, termHigh, termLow);
    sumHigh = resultHigh;
    sumLow = resultLow;
  }
  return [sumHigh, sumLow];
}

const REDUCED_MAX = 2;

export function sin(x: number): number {
  if (!(Math.abs(x) <= REDUCED_MAX)) return Math.sin(x);
  const [high, low] = series(x, 1);
  return high + low;
}

export function cos(x: number): number {
  if (!(Math.abs(x) <= REDUCED_MAX)) return Math.cos(x);
  const [high, low] = series(x, 0);
  return high + low;
}

/** asin: V8's estimate refined by one Newton step on the double-double sine. */
export function asin(y: number): number {
  const t = Math.asin(y);
  if (!(Math.abs(y) < 1) || !(Math.abs(t) <= REDUCED_MAX)) return t;
  const [sineHigh, sineLow] = series(t, 1);
  add(y, 0, -sineHigh, -sineLow);
  const correction = (resultHigh + resultLow) / cos(t);
  return t + correction;
}
