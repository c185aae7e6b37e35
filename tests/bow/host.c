/* host.c — a bowed model through the C interface (api.md): pressed too
 * hard for its equation to have one root, dpm_set refuses, dpm_error
 * names the force and its bound, and the value is not kept (the next
 * dpm_reset works); dpm_grad works at the defaults.  Prints ok or why. */
#include <stdio.h>
#include <string.h>

#include "model.h"

int
main(void)
{
	dpm_model *m = dpm_new(44100);
	static float out[2 * 44100], tgt[2 * 1000];
	double loss, grad[64], before;
	int fb;

	if (!m)
		return printf("dpm_new failed\n"), 0;
	fb = dpm_param_index(m, "Fb");
	if (dpm_process(m, out, 4410) != 4410)
		return printf("the default bow failed: %s\n", dpm_error(m)), 0;
	if (dpm_grad(m, tgt, 1000, "mse", &loss, grad) != 0 || !(loss > 0) || !(grad[fb] == grad[fb]))
		return printf("dpm_grad: %s\n", dpm_error(m)), 0;
	before = dpm_get(m, fb);
	if (dpm_set(m, fb, 400) != -1)
		return printf("dpm_set took Fb = 400\n"), 0;
	if (!strstr(dpm_error(m), "Fb = 400 is too large for the bow"))
		return printf("dpm_set's error: %s\n", dpm_error(m)), 0;
	/* no grid takes it: it is not kept, and the resets after work with
	 * the force before (they all failed on it) */
	if (dpm_get(m, fb) != before)
		return printf("dpm_set left Fb = %g, not %g\n", dpm_get(m, fb), before), 0;
	if (dpm_reset(m) != 0)
		return printf("dpm_reset after a refused dpm_set: %s\n", dpm_error(m)), 0;
	if (dpm_process(m, out, 441) != 441)
		return printf("dpm_process after a refused dpm_set: %s\n", dpm_error(m)), 0;
	dpm_free(m);
	printf("ok\n");
	return 0;
}
