/*
 * ui_sound.c - the cue beeps: short sine tones generated at open time and queued on SDL's audio
 * device when the engine cues (tick for the countdown, a higher tone for "Push!", a low one for
 * "Relax", a double beep for done).
 *
 * Sound is a help, never a requirement: no audio device, a dummy driver or opts.sound = false leave the
 * station silent and working. Tones have 5 ms fades so they do not click. ui_sound_render is pure so
 * tests can check the pitch and the shape without a sound card.
 */
#include <math.h>
#include <stdlib.h>

#include "common/log.h"
#include "station/ui/ui_priv.h"

#define UI_SOUND_RATE 48000

struct tone {
    double hz, dur_s, gap_s;
    int repeat;
};

static bool tone_of(enum ui_sound kind, struct tone *t)
{
    switch (kind) {
    case UI_SOUND_TICK: *t = (struct tone){880.0, 0.07, 0.0, 1}; return true;
    case UI_SOUND_GO: *t = (struct tone){1320.0, 0.25, 0.0, 1}; return true;
    case UI_SOUND_STOP: *t = (struct tone){440.0, 0.30, 0.0, 1}; return true;
    case UI_SOUND_DONE: *t = (struct tone){660.0, 0.12, 0.08, 2}; return true;
    case UI_SOUND_NONE:
    case UI_SOUND_COUNT:
    default: return false;
    }
}

size_t ui_sound_render(enum ui_sound kind, int rate, float *out, size_t max)
{
    struct tone t;
    if (rate <= 0 || !tone_of(kind, &t))
        return 0;
    size_t on = (size_t)lround(t.dur_s * rate), off = (size_t)lround(t.gap_s * rate);
    size_t total = on * (size_t)t.repeat + off * (size_t)(t.repeat - 1);
    size_t fade = (size_t)(0.005 * rate);
    for (size_t i = 0; i < total && i < max && out; i++) {
        size_t period = on + off;
        size_t k = i % period;
        if (k >= on) {
            out[i] = 0.0f;
            continue;
        }
        double env = 1.0;
        if (k < fade)
            env = (double)k / (double)fade;
        else if (on - k < fade)
            env = (double)(on - k) / (double)fade;
        out[i] = (float)(0.35 * env * sin(2.0 * M_PI * t.hz * (double)k / rate));
    }
    return total;
}

void ui_sound_open(struct ui *ui)
{
    if (!ui->opts.sound)
        return;
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        ST_INFO("ui", "no sound: %s", SDL_GetError());
        return;
    }
    ui->audio_up = true;
    SDL_AudioSpec want = {.freq = UI_SOUND_RATE, .format = AUDIO_F32SYS, .channels = 1, .samples = 1024};
    SDL_AudioSpec have;
    ui->audio = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    if (ui->audio == 0) {
        ST_INFO("ui", "no sound device: %s", SDL_GetError());
        return;
    }
    for (int k = UI_SOUND_NONE + 1; k < UI_SOUND_COUNT; k++) {
        size_t n = ui_sound_render((enum ui_sound)k, UI_SOUND_RATE, NULL, 0);
        float *buf = n ? malloc(n * sizeof *buf) : NULL;
        if (!buf)
            continue;
        ui_sound_render((enum ui_sound)k, UI_SOUND_RATE, buf, n);
        ui->sound[k] = buf;
        ui->sound_len[k] = n;
    }
    SDL_PauseAudioDevice(ui->audio, 0);
}

void ui_sound_close(struct ui *ui)
{
    if (ui->audio)
        SDL_CloseAudioDevice(ui->audio);
    ui->audio = 0;
    for (int k = 0; k < UI_SOUND_COUNT; k++) {
        free(ui->sound[k]);
        ui->sound[k] = NULL;
        ui->sound_len[k] = 0;
    }
    if (ui->audio_up)
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
    ui->audio_up = false;
}

void ui_sound(struct ui *ui, enum ui_sound kind)
{
    if (!ui || !ui->audio || (int)kind <= UI_SOUND_NONE || kind >= UI_SOUND_COUNT || !ui->sound[kind])
        return;
    SDL_ClearQueuedAudio(ui->audio);
    if (SDL_QueueAudio(ui->audio, ui->sound[kind], (Uint32)(ui->sound_len[kind] * sizeof(float))) != 0)
        ST_DEBUG("ui", "sound not queued: %s", SDL_GetError());
}

bool ui_sound_available(const struct ui *ui)
{
    return ui && ui->audio != 0;
}
