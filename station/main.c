/* main.c - placeholder until the command line lands (see station/cli.c). */
#include <stdio.h>
int main(void)
{
    puts("station " STATION_VERSION);
    return 0;
}
