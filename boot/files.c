/* Reading plinth.cfg and the guest files from the ESP that holds
 * plinth.efi, through the firmware's Simple File System protocol. */
#include "boot/boot.h"

#include "hv/base/fmt.h"

static EFI_FILE_HANDLE root;
static CHAR16 image_dir[CFG_PATH_MAX]; /* "\EFI\BOOT\" */

/* The directory part of the image's file path: the concatenated
 * MEDIA_FILEPATH nodes, up to and including the last backslash. */
static void image_directory(EFI_DEVICE_PATH *dp)
{
	UINTN n = 0;

	image_dir[0] = 0;
	for (int guard = 0; dp && guard < 64 && !IsDevicePathEnd(dp);
	     guard++, dp = NextDevicePathNode(dp)) {
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH
		    || DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
		UINTN chars = (DevicePathNodeLength(dp) - 4) / sizeof(CHAR16);

		for (UINTN i = 0; i < chars && fp->PathName[i]; i++) {
			if (n + 2 >= CFG_PATH_MAX)
				break;
			/* Nodes may or may not carry their separators. */
			if (n && fp->PathName[i] == L'\\'
			    && image_dir[n - 1] == L'\\')
				continue;
			if (i == 0 && n && image_dir[n - 1] != L'\\'
			    && fp->PathName[0] != L'\\')
				image_dir[n++] = L'\\';
			image_dir[n++] = fp->PathName[i];
		}
	}
	while (n && image_dir[n - 1] != L'\\')
		n--;
	if (n == 0)
		image_dir[n++] = L'\\';
	image_dir[n] = 0;
}

EFI_STATUS boot_files_init(EFI_HANDLE image, char *dir, UINTN dirlen)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	st = BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol,
				(void **)&fs);
	if (EFI_ERROR(st))
		return st;
	st = fs->OpenVolume(fs, &root);
	if (EFI_ERROR(st))
		return st;
	image_directory(li->FilePath);
	UINTN i;

	for (i = 0; i + 1 < dirlen && image_dir[i]; i++)
		dir[i] = image_dir[i] == L'\\' ? '/' : (char)image_dir[i];
	dir[i] = '\0';
	return EFI_SUCCESS;
}

/* ESP path for `path`: relative names start in plinth.efi's directory. */
static void esp_path(const char *path, CHAR16 *out, UINTN outlen)
{
	UINTN n = 0;

	if (path[0] != '/' && path[0] != '\\')
		for (; image_dir[n] && n + 1 < outlen; n++)
			out[n] = image_dir[n];
	for (; *path && n + 1 < outlen; path++)
		out[n++] = *path == '/' ? L'\\' : (CHAR16)(unsigned char)*path;
	out[n] = 0;
}

static void display_path(const CHAR16 *w, char *out, UINTN outlen)
{
	UINTN i;

	for (i = 0; i + 1 < outlen && w[i]; i++)
		out[i] = w[i] == L'\\' ? '/' : (char)w[i];
	out[i] = '\0';
}

#define READ_CHUNK (4ull << 20)

EFI_STATUS boot_read_file(const char *path, boot_file_check check,
			  const void *ctx, struct boot_file *out, char *err,
			  UINTN errlen)
{
	CHAR16 wpath[CFG_PATH_MAX * 2];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	EFI_PHYSICAL_ADDRESS addr;

	esp_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]));
	display_path(wpath, out->path, sizeof(out->path));
	out->addr = 0;
	out->size = 0;
	st = root->Open(root, &fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		fmt(err, errlen, "%s: cannot open: %s", out->path,
		    boot_status_str(st));
		return st;
	}
	info = LibFileInfo(fh);
	if (!info) {
		fh->Close(fh);
		fmt(err, errlen, "%s: cannot read its size", out->path);
		return EFI_DEVICE_ERROR;
	}
	uint64_t size = info->FileSize;
	bool is_dir = (info->Attribute & EFI_FILE_DIRECTORY) != 0;

	FreePool(info);
	if (check(ctx, out->path, is_dir, size, err, errlen)) {
		fh->Close(fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	UINTN pages = EFI_SIZE_TO_PAGES(size);

	st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st)) {
		fh->Close(fh);
		fmt(err, errlen, "%s: no memory for %lu KiB: %s", out->path,
		    (unsigned long)(size >> 10), boot_status_str(st));
		return st;
	}
	for (uint64_t done = 0; done < size;) {
		UINTN n = size - done < READ_CHUNK ? size - done : READ_CHUNK;

		st = fh->Read(fh, &n, (void *)(addr + done));
		if (EFI_ERROR(st) || n == 0) {
			fh->Close(fh);
			BS->FreePages(addr, pages);
			fmt(err, errlen, "%s: read failed at byte %lu: %s",
			    out->path, (unsigned long)done,
			    EFI_ERROR(st) ? boot_status_str(st)
					  : "unexpected end of file");
			return EFI_ERROR(st) ? st : EFI_END_OF_FILE;
		}
		done += n;
	}
	fh->Close(fh);
	out->addr = addr;
	out->size = size;
	return EFI_SUCCESS;
}

void boot_free_file(struct boot_file *f)
{
	if (f->addr)
		BS->FreePages(f->addr, EFI_SIZE_TO_PAGES(f->size));
	f->addr = 0;
	f->size = 0;
}
