/* plot.h — plots drawn with cairo: a render's waveform and
 * spectrogram, a fit's loss curve (the REPL's `plot`).
 * Each function writes a 1000x400 image at path, PNG, SVG or PDF by its
 * suffix (.png, .svg, .pdf, any case; a device or "-" takes PNG; another
 * name is refused), and returns 0, or -1 with a message in err.  The image goes through rt_out_open (runtime/out.c):
 * a temporary name beside path renamed onto it, so path is never left
 * half written; a device or "-" is written in place. */
#ifndef PLOT_H
#define PLOT_H

enum { PLOT_WIDTH = 1000, PLOT_HEIGHT = 400 };

/* Amplitude against time: the min and max of the samples under each
 * pixel column.  x: n samples at rate Hz. */
int plot_wave(const char *path, const double *x, long n, double rate,
              const char *title, char *err, int errsz);

/* Level in dB below the loudest bin against time and frequency (log
 * axis): Hann-windowed 2048-point frames every 512 samples. */
int plot_spectrogram(const char *path, const double *x, long n, double rate,
                     const char *title, char *err, int errsz);

/* ys against xs (n points), on a log y axis when every finite y is
 * positive; non-finite ys are left out. */
int plot_curve(const char *path, const double *xs, const double *ys, long n,
               const char *title, const char *xlabel, const char *ylabel,
               char *err, int errsz);

/* Free what cairo keeps between plots (its font caches), when no more
 * plots are coming: a leak checker then finds nothing left. */
void plot_done(void);

#endif
