/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functions that must not be used in mamori: unbounded copies, locale- and
 * error-blind conversions, hidden static state. Every .c file includes it
 * after all other headers, so a use fails to compile.
 */
#ifndef MM_BANNED_H
#define MM_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)

#endif
