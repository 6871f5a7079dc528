/**
 * A move at constant speed with linear speed ramps: it accelerates from rest over the
 * first `rampIn` share of the time, cruises, and decelerates to rest over the last
 * `rampOut` share (a trapezoidal speed profile). Speed is continuous everywhere, so a
 * hero-spin that starts fast glides into its end without a visible jolt at the junction.
 *
 * Position within a ramp is quadratic; the cruise speed is what makes the whole move
 * cover exactly 1: cruise × (1 − rampIn/2 − rampOut/2) = 1.
 */

/** Progress 0 → 1 at time `t` (0 → 1). `rampIn + rampOut` must not exceed 1. */
export function rampedProgress(t: number, rampIn: number, rampOut: number): number {
  if (rampIn < 0 || rampOut < 0 || rampIn + rampOut > 1 + 1e-9) throw new RangeError(`speed ramps ${rampIn} + ${rampOut} exceed the move`);
  const time = Math.min(Math.max(t, 0), 1);
  const cruise = 1 / (1 - rampIn / 2 - rampOut / 2);
  const cruiseEnd = 1 - rampOut;
  if (time < rampIn) return (cruise * time * time) / (2 * rampIn);
  const rampInDistance = (cruise * rampIn) / 2;
  if (time <= cruiseEnd) return rampInDistance + cruise * (time - rampIn);
  // Decelerating: speed falls linearly to 0 at t = 1, so what is left to travel is
  // quadratic in the time left (written that way, the last frame lands on exactly 1).
  const timeLeft = 1 - time;
  return 1 - (cruise * timeLeft * timeLeft) / (2 * rampOut);
}
