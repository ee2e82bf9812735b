/* Marks one version-need entry (by name, e.g. GLIBCXX_3.4.32) of an ELF64 shared object WEAK
 * (vna_flags |= VER_FLG_WEAK), so the dynamic loader tolerates a libstdc++ that lacks it.
 * Usage: weaken_verneed FILE VERSION_NAME.  Exit 0 when patched or already weak, 3 when absent. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: %s FILE VERSION\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "r+b");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) { fprintf(stderr, "read failed\n"); return 2; }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "%s: not an ELF64 file\n", argv[1]); return 2;
    }
    Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        const char *strtab = (const char *)(buf + sh[sh[i].sh_link].sh_offset);
        unsigned char *p = buf + sh[i].sh_offset;
        for (;;) {
            Elf64_Verneed *vn = (Elf64_Verneed *)p;
            unsigned char *q = p + vn->vn_aux;
            for (int j = 0; j < vn->vn_cnt; j++) {
                Elf64_Vernaux *va = (Elf64_Vernaux *)q;
                if (strcmp(strtab + va->vna_name, argv[2]) == 0) {
                    if (!(va->vna_flags & VER_FLG_WEAK)) {
                        va->vna_flags |= VER_FLG_WEAK;
                        long off = (long)((unsigned char *)&va->vna_flags - buf);
                        fseek(f, off, SEEK_SET);
                        fwrite(&va->vna_flags, sizeof va->vna_flags, 1, f);
                    }
                    fclose(f);
                    return 0;
                }
                if (!va->vna_next) break;
                q += va->vna_next;
            }
            if (!vn->vn_next) break;
            p += vn->vn_next;
        }
    }
    fclose(f);
    return 3;
}
