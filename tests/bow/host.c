/* host.c — a bowed model through the C interface (api.md): pressed too
 * hard, dpm_process returns -1 and dpm_error names Newton and the time;
 * dpm_grad refuses with a message.  Prints ok or why. */
#include <stdio.h>
#include <string.h>

#include "model.h"

int
main(void)
{
	dpm_model *m = dpm_new(44100);
	static float out[2 * 44100], tgt[2 * 1000];
	double loss, grad[64];
	int fb;

	if (!m)
		return printf("dpm_new failed\n"), 0;
	fb = dpm_param_index(m, "Fb");
	if (dpm_process(m, out, 4410) != 4410)
		return printf("the default bow failed: %s\n", dpm_error(m)), 0;
	if (dpm_set(m, fb, 400) != 0 || dpm_reset(m) != 0)
		return printf("Fb = 400: %s\n", dpm_error(m)), 0;
	if (dpm_process(m, out, 44100) != -1)
		return printf("Fb = 400 rendered\n"), 0;
	if (!strstr(dpm_error(m), "Newton's method did not converge at t = 0.02"))
		return printf("the error: %s\n", dpm_error(m)), 0;
	if (dpm_grad(m, tgt, 1000, "mse", &loss, grad) != -1
	    || !strstr(dpm_error(m), "velocity-dependent point force"))
		return printf("dpm_grad: %s\n", dpm_error(m)), 0;
	dpm_free(m);
	printf("ok\n");
	return 0;
}
