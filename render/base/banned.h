/*
 * Functions that are too easy to misuse; include this header last in every
 * .c file (after all system headers). Use fg_buf, snprintf, strtol family
 * and the bounded helpers instead.
 */
#ifndef FG_BASE_BANNED_H
#define FG_BASE_BANNED_H

#define FG_BANNED(func) sorry_##func##_is_banned_in_flink_gitops

#undef strcpy
#define strcpy(x, y) FG_BANNED(strcpy)
#undef strcat
#define strcat(x, y) FG_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) FG_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) FG_BANNED(strncat)
#undef strtok
#define strtok(x, y) FG_BANNED(strtok)
#undef sprintf
#define sprintf(...) FG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FG_BANNED(vsprintf)
#undef atoi
#define atoi(x) FG_BANNED(atoi)
#undef atol
#define atol(x) FG_BANNED(atol)
#undef gets
#define gets(x) FG_BANNED(gets)

#endif
