"""The bilingual HTML report: build.build(obs, output, lang)."""
