/**
 * @file replay.c  Run a libFuzzer target over files, without libFuzzer.
 *
 * Each argument is a file or a directory (its regular files, one level).
 * Every input is passed to LLVMFuzzerTestOneInput() once. Exits 0 after
 * printing "replayed N inputs", non-zero if something is unreadable.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, unsigned long *count)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;
	int err = 0;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return errno ? errno : EIO;
	}

	do {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);

	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		err = EIO;
		goto out;
	}

	/* libFuzzer never passes NULL; give empty inputs a valid pointer */
	LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
	++*count;
 out:
	free(buf);
	fclose(f);
	return err;
}

static int
replay_dir(const char *dir, unsigned long *count)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return errno ? errno : EIO;
	}

	while (!err && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path)) {
			err = ENAMETOOLONG;
			break;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue; /* one level: subdirectories are skipped */
		err = replay_file(path, count);
	}

	closedir(d);
	return err;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	struct stat st;
	int i, err = 0;

	for (i = 1; i < argc && !err; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			err = errno ? errno : EIO;
		} else if (S_ISDIR(st.st_mode)) {
			err = replay_dir(argv[i], &count);
		} else {
			err = replay_file(argv[i], &count);
		}
	}

	if (err)
		return 1;

	printf("replayed %lu inputs\n", count);
	return 0;
}
