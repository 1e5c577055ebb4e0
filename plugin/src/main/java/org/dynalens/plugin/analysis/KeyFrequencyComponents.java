package org.dynalens.plugin.analysis;

/**
 * The part of the logits that the Fourier algorithm uses: for each output class c, the projection of its logit grid
 * over (a, b) onto the unit directions sqrt(2)/p cos(w_k s) and sqrt(2)/p sin(w_k s), s = (c_a a + c_b b) mod p,
 * w_k = 2 pi k / p, summed over the key frequencies k (Nanda et al. 2023 sec. 5.1, "restricted loss"; their
 * {@code get_component_cos_xpy}/{@code get_component_sin_xpy}, whose directions (cos a cos b - sin a sin b)/sqrt 2 are
 * these for s = a + b). The directions of distinct k are orthonormal over the grid, so summing single projections
 * is the projection onto their span.
 */
final class KeyFrequencyComponents {

    private KeyFrequencyComponents() {
    }

    /**
     * @param logits     [p*p, classes], row a*p + b
     * @param linearForm {c_a, c_b} of the task's answer s = c_a a + c_b b
     * @return [p*p, classes], the component of {@code logits} along the key frequencies' directions
     */
    static double[] of(double[] logits, int p, int classes, int[] linearForm, int[] keyFrequencies) {
        // the directions depend on (a, b) only through s, so sum the logits over the p pairs of each s first
        int[] sOfRow = new int[p * p];
        double[] bySum = new double[p * classes];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                int r = a * p + b;
                int s = Math.floorMod((long) linearForm[0] * a + (long) linearForm[1] * b, p);
                sOfRow[r] = s;
                for (int c = 0; c < classes; c++) bySum[s * classes + c] += logits[r * classes + c];
            }
        }
        double norm = Math.sqrt(2) / p;
        double[] componentBySum = new double[p * classes];
        for (int k : keyFrequencies) {
            if (k < 1 || k > (p - 1) / 2) throw new IllegalArgumentException("key frequency " + k + " is not in 1.." + (p - 1) / 2);
            double[] cos = new double[p], sin = new double[p];
            for (int s = 0; s < p; s++) {
                double angle = 2 * Math.PI * ((long) k * s % p) / p;
                cos[s] = norm * Math.cos(angle);
                sin[s] = norm * Math.sin(angle);
            }
            for (int c = 0; c < classes; c++) {
                double cosCoef = 0, sinCoef = 0;
                for (int s = 0; s < p; s++) {
                    cosCoef += cos[s] * bySum[s * classes + c];
                    sinCoef += sin[s] * bySum[s * classes + c];
                }
                for (int s = 0; s < p; s++) componentBySum[s * classes + c] += cosCoef * cos[s] + sinCoef * sin[s];
            }
        }
        double[] out = new double[p * p * classes];
        for (int r = 0; r < p * p; r++) {
            System.arraycopy(componentBySum, sOfRow[r] * classes, out, r * classes, classes);
        }
        return out;
    }

    /** Applies to tasks whose answer is a linear form mod an odd p (e.g. mod-add). */
    static boolean appliesTo(org.dynalens.plugin.task.Task task) {
        return task instanceof org.dynalens.plugin.task.ModularArithmetic m && m.p() >= 3 && m.p() % 2 == 1
                && m.linearForm().isPresent();
    }
}
