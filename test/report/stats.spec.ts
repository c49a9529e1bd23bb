import assert from 'node:assert/strict';
import { detectableDifference, pairedT, studentQuantile, studentTwoSided } from '../../framework/report/stats.js';

const close = (a: number, b: number, eps = 1e-8) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

describe("Student's t and the paired t-test over seeds", () => {
  it('two-sided p-values equal the closed forms for 1 and 2 degrees of freedom and the tabulated 5% quantiles', () => {
    for (const t of [0.3, 1, 3, 12.7]) {
      close(studentTwoSided(t, 1), 1 - (2 / Math.PI) * Math.atan(t)); // Cauchy
      close(studentTwoSided(t, 2), 1 - t / Math.sqrt(t * t + 2));
    }
    close(studentTwoSided(2.776445, 4), 0.05, 1e-6);
    close(studentTwoSided(2.228139, 10), 0.05, 1e-6);
    close(studentTwoSided(0, 5), 1);
  });

  it('paired t over seeds: hand-computed case, and the degenerate ones', () => {
    const r = pairedT([0.01, 0.02, 0.03]); // mean 0.02, sd 0.01, t = 0.02 / (0.01/√3) = 2√3
    close(r.t, 2 * Math.sqrt(3));
    close(r.p!, 1 - (2 * Math.sqrt(3)) / Math.sqrt(14));
    assert.equal(pairedT([0.05]).p, null, 'one seed: no test');
    assert.deepEqual([pairedT([0.02, 0.02]).t, pairedT([0.02, 0.02]).p], [Infinity, 0]);
    assert.equal(pairedT([0, 0, 0]).p, 1);
  });

  it("Student's quantiles match the tables, and the detectable difference is (t_0.975 + t_0.8) · sd / √n", () => {
    close(studentQuantile(0.975, 4), 2.776445, 1e-5);
    close(studentQuantile(0.8, 4), 0.940965, 1e-5);
    close(studentQuantile(0.975, 9), 2.262157, 1e-5);
    close(studentQuantile(0.5, 3), 0, 1e-9);
    // 5 seeds whose differences spread by 1 point: a 1.66-point mean difference is found 80% of the time.
    close(detectableDifference(0.01, 5)!, ((2.776445 + 0.940965) * 0.01) / Math.sqrt(5), 1e-7);
    assert.equal(detectableDifference(0.01, 1), null);
  });
});
