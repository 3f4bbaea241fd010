# conf/: the configuration file, its key table and its loader.
librelaymilter_a_SOURCES += \
	conf/conf.c conf/conf.h \
	conf/keys.c conf/keys.h \
	conf/loader.h conf/store.c \
	conf/validate.c conf/convert.c \
	conf/build.c conf/build.h

check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/config_rows.h \
	tests/unit/tap.h
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_unit_test_config_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
dist_check_DATA += \
	tests/unit/conf/full.conf \
	tests/unit/conf/include.conf \
	tests/unit/conf/included.inc

# The shipped example: every key, its default, what it does. Installed as
# the config only where none exists: `make install` never overwrites a config
# an admin edited (the new example then goes next to it, as
# relaymilter.conf.example). `make uninstall` removes the config only while it
# is the unedited example. A package build stages into an empty DESTDIR, so
# the package always gets the example as its conffile.
relaymilterconfdir = $(sysconfdir)/relaymilter
EXTRA_DIST += conf/relaymilter.conf
install-data-local: install-relaymilter-conf
uninstall-local: uninstall-relaymilter-conf
install-relaymilter-conf:
	@$(NORMAL_INSTALL)
	$(MKDIR_P) '$(DESTDIR)$(relaymilterconfdir)'
	@conf='$(DESTDIR)$(relaymilterconfdir)/relaymilter.conf'; \
	example='$(srcdir)/conf/relaymilter.conf'; \
	if test ! -e "$$conf"; then \
	  echo " $(INSTALL_DATA) $$example '$$conf'"; \
	  $(INSTALL_DATA) "$$example" "$$conf" || exit 1; \
	  echo "relaymilter.conf: installed the example as $$conf"; \
	elif cmp -s "$$example" "$$conf"; then \
	  rm -f "$$conf.example"; \
	  echo "relaymilter.conf: kept $$conf (the unedited example)"; \
	else \
	  echo " $(INSTALL_DATA) $$example '$$conf.example'"; \
	  $(INSTALL_DATA) "$$example" "$$conf.example" || exit 1; \
	  echo "relaymilter.conf: kept $$conf (edited, not overwritten); the example is $$conf.example"; \
	fi
uninstall-relaymilter-conf:
	@$(NORMAL_UNINSTALL)
	@conf='$(DESTDIR)$(relaymilterconfdir)/relaymilter.conf'; \
	rm -f "$$conf.example"; \
	if test -e "$$conf"; then \
	  if cmp -s '$(srcdir)/conf/relaymilter.conf' "$$conf"; then \
	    echo " rm -f '$$conf'"; rm -f "$$conf"; \
	  else \
	    echo "relaymilter.conf: kept $$conf (edited)"; \
	  fi; \
	fi
.PHONY: install-relaymilter-conf uninstall-relaymilter-conf

