"""Convert an official SWAHR (or HigherHRNet) checkpoint for a SWAHR config.

    python tools/convert_swahr_checkpoint.py pose_higher_hrnet_w32_512.pth \
        swahr_w32_512_converted.pth \
        --config configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py

The key mapping is in directpose/utils/swahr_checkpoint.py. The checkpoint is
read with torch.load(weights_only=True); the result is checked by loading it
into the config's model with strict=True.
"""
import argparse
import sys

import directpose  # first: it installs the mmcv.ops stand-in

# isort: split
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

from directpose.engine import load_weights_only
from directpose.utils import atomic_open
from directpose.utils.swahr_checkpoint import (convert_swahr_state_dict,
                                               official_state_dict)

directpose.install()  # the patches of directpose.patches, logged once


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert an official SWAHR/HigherHRNet checkpoint')
    parser.add_argument('src', help='the official checkpoint (.pth)')
    parser.add_argument('dst', help='where to write the converted one')
    parser.add_argument(
        '--config', required=True, help='the SWAHR/HigherHRNet config')
    parser.add_argument(
        '--allow-missing',
        action='store_true',
        help='write the result even if some of our weights were not in the '
        'checkpoint (they keep their freshly built values)')
    return parser.parse_args()


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    cfg.model.get('backbone', {}).pop('init_cfg', None)  # no download
    model = MODELS.build(cfg.model)
    official = official_state_dict(load_weights_only(args.src, 'cpu'))
    try:
        state, report = convert_swahr_state_dict(official, model.state_dict())
    except ValueError as exc:
        sys.exit(f'{args.src}: {exc}')
    print(report.format())
    if report.missing and not args.allow_missing:
        sys.exit(f'{len(report.missing)} weights of {args.config} are not in '
                 f'{args.src}; nothing written (--allow-missing writes them '
                 'as built)')
    model.load_state_dict(state, strict=True)
    with atomic_open(args.dst, 'wb') as f:
        torch.save({
            'state_dict': state,
            'meta': {
                'converted_from': args.src
            }
        }, f)
    print(f'wrote {args.dst}')


if __name__ == '__main__':
    main()
