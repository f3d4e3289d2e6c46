/*
 * settle.c - still-second detection for the calibration check; see settle.h.
 *
 * The window is a plain array kept in time order: a full window drops its oldest sample with one
 * memmove, which costs little at the rates of force gauges (tens to a thousand samples a second) and
 * keeps the statistics a straight pass over the last second.
 */
#include "protocols/settle.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>


void settle_init(struct settle *s, double expect_n)
{
    s->expect_n = expect_n;
    s->phase = SETTLE_ZEROING;
    s->zero_n = NAN;
    s->reading_n = NAN;
    s->n = 0;
}

/* Mean, sample SD and the drift (second half's mean minus first half's) of the last second, if the
 * window spans at least 0.9 s of it. */
static bool last_second(const struct settle *s, double *mean, double *sd, double *drift)
{
    if (s->n == 0)
        return false;
    size_t end = s->n, k = end;
    while (k > 0 && s->t_s[end - 1] - s->t_s[k - 1] < 1.0)
        k--;
    if (s->t_s[end - 1] - s->t_s[k] < 0.9)
        return false;
    size_t m = end - k, half = m / 2;
    double sum = 0, first = 0, second = 0;
    for (size_t i = k; i < end; i++) {
        sum += s->f_n[i];
        if (i - k < half)
            first += s->f_n[i];
        else
            second += s->f_n[i];
    }
    *mean = sum / (double)m;
    first /= (double)(half ? half : 1);
    second /= (double)(m - half);
    double m2 = 0;
    for (size_t i = k; i < end; i++)
        m2 += (s->f_n[i] - *mean) * (s->f_n[i] - *mean);
    *sd = m > 1 ? sqrt(m2 / (double)(m - 1)) : 0;
    *drift = second - first;
    return true;
}

/* One decision on the window as it stands. */
static void judge(struct settle *s)
{
    double mean, sd, drift;
    if (!last_second(s, &mean, &sd, &drift))
        return;
    double band = s->phase == SETTLE_ZEROING ? 2.0 : fmax(0.3, s->expect_n * 0.002);
    if (!(sd < band && fabs(drift) < band))
        return;
    if (s->phase == SETTLE_ZEROING) {
        s->zero_n = mean;
        s->phase = SETTLE_WAIT_MASS;
        s->n = 0;
    } else if (mean - s->zero_n > s->expect_n * 0.5) {
        if (s->phase == SETTLE_PLACED)
            s->reading_n = mean - s->zero_n;
        s->phase = s->phase == SETTLE_PLACED ? SETTLE_READ : SETTLE_PLACED;
        s->n = 0;
    }
}

enum settle_phase settle_feed(struct settle *s, const struct st_sample *x, size_t n)
{
    for (size_t i = 0; i < n && s->phase != SETTLE_READ; i++) {
        if (x[i].flags & ST_SAMPLE_TRIGGER)
            continue;
        if (s->n == SETTLE_WINDOW) {
            memmove(s->t_s, s->t_s + 1, sizeof s->t_s[0] * (SETTLE_WINDOW - 1));
            memmove(s->f_n, s->f_n + 1, sizeof s->f_n[0] * (SETTLE_WINDOW - 1));
            s->n--;
        }
        s->t_s[s->n] = (double)x[i].t_ns / 1e9;
        s->f_n[s->n++] = x[i].force_n;
        judge(s);
    }
    return s->phase;
}
