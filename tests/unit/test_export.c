#include <stdio.h>
#include <string.h>

#include "export/export.h"
#include "test.h"

static const char *tc(long frame, int num, int den)
{
    static char out[16];
    export_timecode(frame, num, den, out);
    return out;
}

TEST(export_timecode_non_drop)
{
    char out[16];
    CHECK(export_timecode(0, 30, 1, out) == 0);
    CHECK_STR(out, "00:00:00:00");
    CHECK_STR(tc(1800, 30, 1), "00:01:00:00");
    CHECK_STR(tc(45, 30, 1), "00:00:01:15");
    CHECK_STR(tc(90000 + 29, 25, 1), "01:00:01:04");
    CHECK_STR(tc(-5, 25, 1), "00:00:00:00");
    /* 23.976 has no drop-frame form: nominal 24 */
    CHECK(export_timecode(24, 24000, 1001, out) == 0);
    CHECK_STR(out, "00:00:01:00");
}

TEST(export_timecode_drop_frame_2997)
{
    char out[16];
    CHECK(export_timecode(0, 30000, 1001, out) == 1);
    CHECK_STR(out, "00:00:00;00");
    CHECK_STR(tc(29, 30000, 1001), "00:00:00;29");
    CHECK_STR(tc(1799, 30000, 1001), "00:00:59;29");
    /* ;00 and ;01 of minute 1 do not exist */
    CHECK_STR(tc(1800, 30000, 1001), "00:01:00;02");
    CHECK_STR(tc(1801, 30000, 1001), "00:01:00;03");
    CHECK_STR(tc(3597, 30000, 1001), "00:01:59;29");
    CHECK_STR(tc(3598, 30000, 1001), "00:02:00;02");
    /* every tenth minute keeps its first frames */
    CHECK_STR(tc(17981, 30000, 1001), "00:09:59;29");
    CHECK_STR(tc(17982, 30000, 1001), "00:10:00;00");
    CHECK_STR(tc(17983, 30000, 1001), "00:10:00;01");
    CHECK_STR(tc(17982 + 1799, 30000, 1001), "00:10:59;29"); /* minute 10 has all 1800 */
    CHECK_STR(tc(17982 + 1800, 30000, 1001), "00:11:00;02");
    /* an hour of 29.97 is 107892 frames */
    CHECK_STR(tc(107892, 30000, 1001), "01:00:00;00");
    CHECK_STR(tc(107891, 30000, 1001), "00:59:59;29");
}

TEST(export_timecode_drop_frame_5994)
{
    char out[16];
    CHECK(export_timecode(0, 60000, 1001, out) == 1);
    CHECK_STR(tc(3599, 60000, 1001), "00:00:59;59");
    CHECK_STR(tc(3600, 60000, 1001), "00:01:00;04");
    CHECK_STR(tc(35964, 60000, 1001), "00:10:00;00");
    CHECK_STR(tc(215784, 60000, 1001), "01:00:00;00");
}

/* drop-frame timecode is a clock: frame n and the labels it gets agree with
 * n / 29.97 seconds to within a frame, across a day's worth of minutes */
TEST(export_timecode_drop_frame_follows_the_clock)
{
    for (long n = 0; n < 107892L * 3; n += 997) {
        char out[16];
        export_timecode(n, 30000, 1001, out);
        int h, m, s, f;
        REQUIRE(sscanf(out, "%d:%d:%d;%d", &h, &m, &s, &f) == 4);
        CHECK(!(s == 0 && f < 2 && m % 10 != 0)); /* a dropped label is never used */
        double label_s = h * 3600.0 + m * 60.0 + s + f / 30.0;
        double clock_s = n * 1001.0 / 30000.0;
        CHECK(label_s - clock_s < 0.1 && clock_s - label_s < 0.1);
    }
}
